"""Content checks for uploaded materials (issue 15): PDF, JPEG and PNG only, decided by content.

Pure of the ORM. ``inspect_upload`` reads a file object in chunks (refusing it as soon as it passes
the size limit), hashes it, recognises it by its magic bytes and then really parses it: PDFs with
pypdf (refused when truncated, encrypted or carrying active content: JavaScript, launch actions,
embedded files, rich media, XFA forms), images with Pillow (pixel limit before decoding, ``verify()``
then a full ``load()``). The name the user gave is never trusted: it only becomes a cleaned display
name whose extension is the one the content decided.

A refusal is an ``UploadRefused`` with a code and a Chinese message naming the file; nothing is
stored by this module. The caller stores the file (rewound to its start when it is seekable) under a
generated name and keeps ``CheckedUpload.display_name`` and ``sha256``.
"""

import hashlib
import mimetypes
import tempfile
import threading
import unicodedata
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageFile
from pypdf import PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

MB = 1024 * 1024
CHUNK_BYTES = 64 * 1024
SPOOL_BYTES = 2 * MB  # copies larger than this go to a temporary file, not memory
# Checking a PDF resolves every object (about 50 µs each): a bound keeps a crafted file of tiny
# objects from holding a request for minutes. Long tagged PDFs have a few tens of thousands.
PDF_MAX_OBJECTS = 100_000
DISPLAY_NAME_MAX = 100
UNNAMED = "未命名文件"
ACCEPTED_TYPES_LABEL = "PDF、JPEG 或 PNG"
# For <input type="file" accept="…">: a hint to the browser only; the content decides.
ACCEPT_ATTRIBUTE = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


class UploadRefused(ValueError):
    """An uploaded file refused: ``code`` for programs, ``message`` (Chinese) for the user."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int
    max_declaration_bytes: int
    max_pixels: int

    def __post_init__(self):
        for field in ("max_file_bytes", "max_declaration_bytes", "max_pixels"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"上传限制 {field} 必须是正整数，当前为 {value!r}")

    def describe(self) -> str:
        """What an applicant is told before uploading."""
        return (
            f"只接受 {ACCEPTED_TYPES_LABEL} 文件；单个文件不超过 {format_size(self.max_file_bytes)}，"
            f"每份申报的材料合计不超过 {format_size(self.max_declaration_bytes)}"
        )


@dataclass(frozen=True)
class CheckedUpload:
    kind: str  # "pdf" | "jpeg" | "png"
    content_type: str
    extension: str
    size: int
    sha256: str
    display_name: str
    pages: int | None = None  # PDFs
    width: int | None = None  # images
    height: int | None = None


@dataclass(frozen=True)
class _Kind:
    name: str
    content_type: str
    extension: str
    label: str
    pillow_formats: tuple[str, ...] = ()


PDF = _Kind("pdf", "application/pdf", ".pdf", "PDF")
JPEG = _Kind("jpeg", "image/jpeg", ".jpg", "JPEG 图片", ("JPEG", "MPO"))  # MPO: phone cameras' JPEG
PNG = _Kind("png", "image/png", ".png", "PNG 图片", ("PNG",))
_ACCEPTED_MAGIC = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))

# Only to tell the user what the refused file seems to be; refusing needs no list.
_KNOWN_REFUSED_MAGIC = (
    (b"\x7fELF", "可执行程序"),
    (b"MZ", "Windows 可执行程序"),
    (b"#!", "脚本"),
    (b"GIF87a", "GIF 图片"),
    (b"GIF89a", "GIF 图片"),
    (b"BM", "BMP 图片"),
    (b"II*\x00", "TIFF 图片"),
    (b"MM\x00*", "TIFF 图片"),
    (b"PK\x03\x04", "压缩包或 Word/Excel 等 Office 文档"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Word/Excel 等旧版 Office 文档"),
    (b"Rar!", "压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "压缩包"),
    (b"\x1f\x8b", "压缩包"),
)


def format_size(size: int) -> str:
    if size >= MB:
        value = size / MB
        return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} 字节"


def limits_from_settings() -> UploadLimits:
    """The limits set by UPLOAD_MAX_FILE_MB, UPLOAD_MAX_DECLARATION_MB and UPLOAD_MAX_PIXELS."""
    from django.conf import settings

    return UploadLimits(
        max_file_bytes=settings.UPLOAD_MAX_FILE_MB * MB,
        max_declaration_bytes=settings.UPLOAD_MAX_DECLARATION_MB * MB,
        max_pixels=settings.UPLOAD_MAX_PIXELS,
    )


def check_declaration_total(current_total: int, new_size: int, limits: UploadLimits, *,
                            display_name: str = "") -> None:
    """Refuse a file that would take a declaration's materials past their total.

    The caller holds the declaration's row lock while it sums ``current_total`` and stores the file,
    so that two uploads at once cannot both pass.
    """
    total = current_total + new_size
    if total > limits.max_declaration_bytes:
        subject = f"文件“{display_name}”" if display_name else "该文件"
        raise UploadRefused(
            "DECLARATION_TOO_LARGE",
            f"{subject}（{format_size(new_size)}）无法上传：本申报已有材料 {format_size(current_total)}，"
            f"合计将超过每份申报 {format_size(limits.max_declaration_bytes)} 的上限，请压缩或删除部分材料",
        )


# --- display names ------------------------------------------------------------------------------

_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_DROPPED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})  # controls, lone surrogates, line breaks
_MIME = mimetypes.MimeTypes()  # Python's own table only: the result does not depend on the host


def _split_extension(name: str) -> tuple[str, str]:
    """(stem, extension) when the suffix is a file type the world knows, else (name, "")."""
    dot = name.rfind(".")
    if dot < 0:
        return name, ""
    suffix = name[dot:]
    if _MIME.guess_type("x" + suffix.lower(), strict=False)[0] is None:
        return name, ""
    return name[:dot], suffix


def clean_display_name(name: str, *, extension: str | None = None) -> str:
    """A name safe to show and to offer in a download: no path, no control or bidi characters.

    With ``extension`` (the one decided by content) the name ends with it, replacing the
    extension the user gave (``photo.png`` that is a JPEG becomes ``photo.jpg``).
    """
    text = unicodedata.normalize("NFC", str(name or ""))
    text = "".join(
        ch for ch in text if ch not in _BIDI_CONTROLS and unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )
    text = text.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if extension is not None:
        stem, _ = _split_extension(text)
    else:
        stem, extension = _split_extension(text)
    stem = stem.strip()
    if not stem.strip("."):
        stem = UNNAMED
    stem = stem[: DISPLAY_NAME_MAX - len(extension)].rstrip()
    return stem + extension


# --- reading -----------------------------------------------------------------------------------


def _rewind(fileobj) -> None:
    if hasattr(fileobj, "seek") and getattr(fileobj, "seekable", lambda: True)():
        fileobj.seek(0)


def _copy_within_limit(fileobj, limits: UploadLimits, display_name: str):
    """Copy to a spooled file chunk by chunk, hashing; stop as soon as the limit is passed."""
    _rewind(fileobj)
    copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    digest = hashlib.sha256()
    size = 0
    try:
        while chunk := fileobj.read(CHUNK_BYTES):
            size += len(chunk)
            if size > limits.max_file_bytes:
                raise UploadRefused(
                    "TOO_LARGE",
                    f"文件“{display_name}”超过单个文件 {format_size(limits.max_file_bytes)} 的上限，"
                    "请压缩后再上传",
                )
            digest.update(chunk)
            copy.write(chunk)
    except BaseException:
        copy.close()
        raise
    copy.seek(0)
    return copy, size, digest.hexdigest()


def _recognise(head: bytes, display_name: str) -> _Kind:
    for magic, kind in _ACCEPTED_MAGIC:
        if head.startswith(magic):
            return kind
    seen = _describe_refused(head)
    content = f"是{seen}" if seen else f"不是 {ACCEPTED_TYPES_LABEL}"
    raise UploadRefused(
        "NOT_ALLOWED_TYPE",
        f"文件“{display_name}”的内容{content}，无法上传：只接受 PDF、JPEG、PNG 文件（按文件内容判断，与文件名无关）",
    )


def _describe_refused(head: bytes) -> str:
    for magic, label in _KNOWN_REFUSED_MAGIC:
        if head.startswith(magic):
            return label
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP 图片"
    if head[4:8] == b"ftyp":
        return "HEIC 图片或视频"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text:
        return "SVG 图片"
    if text.startswith((b"<!doctype html", b"<html")) or b"<script" in text or b"<body" in text:
        return "网页（HTML）"
    if text.startswith(b"<?xml"):
        return "XML 文档"
    return ""


# --- PDF ---------------------------------------------------------------------------------------

_ACTIVE = {
    "js": "JavaScript 脚本",
    "launch": "启动外部程序的动作（Launch）",
    "embedded": "嵌入的附件文件",
    "rich_media": "多媒体内容（RichMedia）",
    "xfa": "XFA 动态表单（可含脚本）",
}


def _active_content(obj: DictionaryObject) -> set[str]:
    found = set()
    subtype, action = obj.get("/Subtype"), obj.get("/S")
    if "/JS" in obj or "/JavaScript" in obj or action == "/JavaScript":
        found.add("js")
    if action == "/Launch":
        found.add("launch")
    if ("/EmbeddedFiles" in obj or "/EF" in obj or obj.get("/Type") == "/EmbeddedFile"
            or subtype == "/FileAttachment" or action == "/GoToE"):
        found.add("embedded")
    if subtype == "/RichMedia" or "/RichMediaContent" in obj or "/RichMediaSettings" in obj:
        found.add("rich_media")
    if "/XFA" in obj:
        found.add("xfa")
    return found


class _TooComplex(Exception):
    pass


def _scan_pdf_objects(reader: PdfReader) -> set[str]:
    """Resolve every object (those in the cross-reference tables and those reachable from the
    trailer) and collect the kinds of active content found. Broken objects raise."""
    roots: list = [reader.trailer]
    for generation, entries in reader.xref.items():
        roots.extend(IndirectObject(idnum, generation, reader) for idnum in entries)
    roots.extend(IndirectObject(idnum, 0, reader) for idnum in reader.xref_objStm)
    if len(roots) > PDF_MAX_OBJECTS:
        raise _TooComplex
    seen_refs: set[tuple[int, int]] = set()
    found: set[str] = set()
    stack = roots
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen_refs:
                continue
            seen_refs.add(key)
            obj = reader.get_object(obj)
        if isinstance(obj, DictionaryObject):  # stream objects included
            found |= _active_content(obj)
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return found


def _inspect_pdf(stream, size: int, display_name: str) -> int:
    unreadable = UploadRefused(
        "PDF_UNREADABLE",
        f"PDF 文件“{display_name}”已损坏或不完整（可能上传中断），无法打开；请重新导出 PDF 后再上传",
    )
    # A truncated file has lost its end-of-file marker (pypdf's strict mode looks in the same place;
    # the rest of the parse is lenient, as readers are, so that slightly odd offsets pass).
    stream.seek(max(0, size - 1024))
    if b"%%EOF" not in stream.read():
        raise unreadable
    stream.seek(0)
    try:
        reader = PdfReader(stream, strict=False)
        encrypted = reader.is_encrypted
        if not encrypted:
            found = _scan_pdf_objects(reader)
            pages = len(reader.pages)
            for page in reader.pages:
                page.mediabox  # noqa: B018 - resolves each page's box, inherited ones included
            if reader.root_object["/Pages"].get("/Count") != pages:
                raise unreadable  # a page object lost to damage
    except UploadRefused:
        raise
    except (_TooComplex, LimitReachedError):
        raise UploadRefused(
            "PDF_UNREADABLE",
            f"PDF 文件“{display_name}”的结构过于复杂（对象超过 {PDF_MAX_OBJECTS:,} 个或超出解析上限），"
            "无法检查；请用“打印为 PDF”等方式重新生成后再上传",
        ) from None
    except Exception:  # noqa: BLE001 - any parse error of an untrusted file means "unreadable"
        raise unreadable from None
    if encrypted:
        raise UploadRefused(
            "PDF_ENCRYPTED",
            f"PDF 文件“{display_name}”已加密或设有密码，评审专家无法查看；请去除密码后重新上传",
        )
    if found:
        what = "、".join(_ACTIVE[key] for key in _ACTIVE if key in found)
        raise UploadRefused(
            "PDF_ACTIVE_CONTENT",
            f"PDF 文件“{display_name}”含有不允许的活动内容：{what}；"
            "请用“打印为 PDF”等方式重新生成不含脚本和附件的 PDF 后再上传",
        )
    if pages < 1:
        raise UploadRefused("PDF_UNREADABLE", f"PDF 文件“{display_name}”没有任何页面，无法作为材料")
    return pages


# --- images ------------------------------------------------------------------------------------


_TRUNCATION_FLAG_LOCK = threading.Lock()


@contextmanager
def _truncated_images_refused():
    """WeasyPrint sets Pillow's process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES`` at import, which
    would let a cut-off image load as if whole: hold it off while we check, then put it back."""
    with _TRUNCATION_FLAG_LOCK:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _inspect_image(stream, kind: _Kind, limits: UploadLimits, display_name: str) -> tuple[int, int]:
    too_many = UploadRefused(
        "IMAGE_TOO_MANY_PIXELS",
        f"图片“{display_name}”的像素过多（上限 {limits.max_pixels:,} 像素），请缩小尺寸后再上传",
    )
    unreadable = UploadRefused(
        "IMAGE_UNREADABLE",
        f"图片“{display_name}”已损坏或不完整，无法打开；请重新保存为 {kind.label}后再上传",
    )
    with warnings.catch_warnings(), _truncated_images_refused():
        # Pillow's own bomb guard (a warning, then an error at twice its limit) refuses, too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(stream, formats=kind.pillow_formats) as image:
                width, height = image.size
                if image.format not in kind.pillow_formats:
                    raise unreadable
                if width * height > limits.max_pixels:
                    raise too_many
                image.verify()
            stream.seek(0)
            with Image.open(stream, formats=kind.pillow_formats) as image:
                image.load()
        except UploadRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many from None
        except Exception:  # noqa: BLE001 - any decoding error of an untrusted file means "unreadable"
            raise unreadable from None
    return width, height


# --- the entry point ---------------------------------------------------------------------------


def inspect_upload(fileobj, *, original_name: str, limits: UploadLimits) -> CheckedUpload:
    """Check one uploaded file by its content; raise ``UploadRefused`` or describe it.

    ``fileobj`` is read from its start in chunks and rewound afterwards when it is seekable.
    """
    given_name = clean_display_name(original_name)
    copy, size, sha256 = _copy_within_limit(fileobj, limits, given_name)
    try:
        if size == 0:
            raise UploadRefused("EMPTY", f"文件“{given_name}”是空文件（0 字节），请选择正确的文件")
        kind = _recognise(copy.read(64), given_name)
        copy.seek(0)
        display_name = clean_display_name(original_name, extension=kind.extension)
        if kind is PDF:
            pages = _inspect_pdf(copy, size, display_name)
            details = {"pages": pages}
        else:
            width, height = _inspect_image(copy, kind, limits, display_name)
            details = {"width": width, "height": height}
    finally:
        copy.close()
        _rewind(fileobj)
    return CheckedUpload(
        kind=kind.name,
        content_type=kind.content_type,
        extension=kind.extension,
        size=size,
        sha256=sha256,
        display_name=display_name,
        **details,
    )
