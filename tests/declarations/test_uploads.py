"""Content checks of uploaded materials: every file is built here, decided by content, never by name."""

import hashlib
import io
import re
import struct
import warnings
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.annotations import Link
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from declarations import uploads
from declarations.uploads import (
    CHUNK_BYTES,
    MB,
    UploadLimits,
    UploadRefused,
    check_declaration_total,
    clean_display_name,
    inspect_upload,
    limits_from_settings,
)

LIMITS = UploadLimits(max_file_bytes=10 * MB, max_declaration_bytes=100 * MB, max_pixels=40_000_000)
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- building files ----------------------------------------------------------------------------


def pdf_bytes(change=None, pages=1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if change:
        change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_page_entry(key: str, value) -> bytes:
    def change(writer):
        writer.pages[0][NameObject(key)] = value

    return pdf_bytes(change)


def pdf_with_annotation(annotation: DictionaryObject) -> bytes:
    def change(writer):
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])

    return pdf_bytes(change)


def js_action(code="app.alert(1)") -> DictionaryObject:
    return DictionaryObject({
        NameObject("/Type"): NameObject("/Action"),
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject(code),
    })


def pdf_with_names_tree_js() -> bytes:
    def change(writer):
        tree = DictionaryObject({
            NameObject("/Names"): ArrayObject([TextStringObject("init"), writer._add_object(js_action())])
        })
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})

    return pdf_bytes(change)


def image_bytes(fmt: str, size=(64, 48), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 0).save(out, format=fmt)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def single_colour_png(width: int, height: int) -> bytes:
    """A 1-bit greyscale PNG, written row by row: a 20000×20000 bomb is a few dozen kilobytes."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


def refusal(data: bytes, name: str, limits=LIMITS) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        inspect_upload(io.BytesIO(data), original_name=name, limits=limits)
    return caught.value


# --- refused -----------------------------------------------------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html>\n<html><body><script>fetch('/api/v1/me')</script></body></html>\n"
SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b"<script>alert(1)</script></svg>")


def _truncated_pdf() -> bytes:
    data = pdf_bytes(pages=3)
    return data[: len(data) // 2]


def _pdf_cut_before_xref() -> bytes:
    # Every page is still there: a lenient reader could rebuild the file, but it is truncated.
    data = pdf_bytes(pages=3)
    return data[: data.rindex(b"xref")]


def _jpeg_cut_in_its_scan() -> bytes:
    # The header is whole (Image.open and verify() pass); only decoding finds the missing data.
    out = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(out, format="JPEG")
    data = out.getvalue()
    return data[: len(data) * 2 // 3]


def _damaged_pdf() -> bytes:
    # Zeros over the end of page 1 and the start of page 2: a lenient reader would show 2 of 3 pages.
    data = pdf_bytes(pages=3)
    start = data.index(b"/Resources", data.index(b"4 0 obj")) + 3
    return data[:start] + b"\x00" * 100 + data[start + 100:]


def _obfuscated_js_pdf() -> bytes:
    # Names may be written with #xx escapes: /J#53 is /JS, /J#61vaScript is /JavaScript.
    data = pdf_bytes(lambda w: w.add_open_action(JavaScript("app.alert(1)")))
    return data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")


def _launch_pdf() -> bytes:
    launch = DictionaryObject({
        NameObject("/S"): NameObject("/Launch"),
        NameObject("/F"): TextStringObject("cmd.exe"),
    })
    return pdf_bytes(lambda w: w._root_object.__setitem__(NameObject("/OpenAction"), w._add_object(launch)))


REFUSED = {
    "renamed executable": (lambda: ELF, "简历.pdf", "NOT_ALLOWED_TYPE", "可执行程序"),
    "windows executable": (lambda: b"MZ\x90\x00" + b"\x00" * 100, "证书.jpg", "NOT_ALLOWED_TYPE", "可执行程序"),
    "html named .png": (lambda: HTML, "照片.png", "NOT_ALLOWED_TYPE", "网页"),
    "svg": (lambda: SVG, "logo.svg", "NOT_ALLOWED_TYPE", "SVG"),
    "svg named .png": (lambda: SVG, "logo.png", "NOT_ALLOWED_TYPE", "SVG"),
    "gif": (lambda: image_bytes("GIF"), "动图.gif", "NOT_ALLOWED_TYPE", "GIF"),
    "webp": (lambda: image_bytes("WEBP"), "photo.webp", "NOT_ALLOWED_TYPE", "WebP"),
    "word document": (lambda: b"PK\x03\x04" + b"\x00" * 60, "论文.docx", "NOT_ALLOWED_TYPE", "Office"),
    "plain text": (lambda: "这是一段文字".encode(), "说明.pdf", "NOT_ALLOWED_TYPE", "不是 PDF、JPEG 或 PNG"),
    "empty file": (lambda: b"", "空.pdf", "EMPTY", "空文件"),
    "truncated pdf": (_truncated_pdf, "业绩.pdf", "PDF_UNREADABLE", "不完整"),
    "pdf cut before its cross-reference table": (_pdf_cut_before_xref, "业绩.pdf", "PDF_UNREADABLE", "不完整"),
    "pdf cut inside its end-of-file marker": (lambda: pdf_bytes().rstrip()[:-3], "业绩.pdf", "PDF_UNREADABLE",
                                              "不完整"),
    "pdf with a page object overwritten": (lambda: _damaged_pdf(), "业绩.pdf", "PDF_UNREADABLE", "损坏"),
    "pdf header only": (lambda: b"%PDF-1.7\n%%EOF\n", "业绩.pdf", "PDF_UNREADABLE", "损坏"),
    "pdf with OpenAction javascript": (
        lambda: pdf_bytes(lambda w: w.add_open_action(JavaScript("app.launchURL('http://x')"))),
        "论文.pdf", "PDF_ACTIVE_CONTENT", "JavaScript"),
    "pdf with obfuscated javascript names": (_obfuscated_js_pdf, "论文.pdf", "PDF_ACTIVE_CONTENT", "JavaScript"),
    "pdf with javascript in the names tree": (pdf_with_names_tree_js, "论文.pdf", "PDF_ACTIVE_CONTENT",
                                              "JavaScript"),
    "pdf with page /AA javascript": (
        lambda: pdf_with_page_entry("/AA", DictionaryObject({NameObject("/O"): js_action()})),
        "论文.pdf", "PDF_ACTIVE_CONTENT", "JavaScript"),
    "pdf with a launch action": (_launch_pdf, "论文.pdf", "PDF_ACTIVE_CONTENT", "Launch"),
    "pdf with an embedded file": (lambda: pdf_bytes(lambda w: w.add_attachment("payload.exe", b"MZ" * 50)),
                                  "论文.pdf", "PDF_ACTIVE_CONTENT", "附件"),
    "pdf with a file attachment annotation": (
        lambda: pdf_with_annotation(DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(20), NumberObject(20)]),
        })),
        "论文.pdf", "PDF_ACTIVE_CONTENT", "附件"),
    "pdf with rich media": (
        lambda: pdf_with_annotation(DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/RichMedia"),
            NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(20), NumberObject(20)]),
        })),
        "论文.pdf", "PDF_ACTIVE_CONTENT", "RichMedia"),
    "encrypted pdf": (lambda: pdf_bytes(lambda w: w.encrypt("secret")),
                      "加密.pdf", "PDF_ENCRYPTED", "密码"),
    "pdf encrypted with an empty user password": (lambda: pdf_bytes(lambda w: w.encrypt("", "owner")),
                                                  "加密.pdf", "PDF_ENCRYPTED", "加密"),
    "truncated png": (lambda: image_bytes("PNG", (300, 300))[:-200], "照片.png", "IMAGE_UNREADABLE", "损坏"),
    "truncated jpeg": (lambda: image_bytes("JPEG", (300, 300))[:400], "照片.jpg", "IMAGE_UNREADABLE", "损坏"),
    "jpeg cut in its picture data": (_jpeg_cut_in_its_scan, "照片.jpg", "IMAGE_UNREADABLE", "不完整"),
    "decompression bomb png": (lambda: single_colour_png(20000, 20000), "炸弹.png", "IMAGE_TOO_MANY_PIXELS",
                               "像素过多"),
}


@pytest.mark.parametrize("build, name, code, words", REFUSED.values(), ids=REFUSED.keys())
def test_refused_with_its_code_and_a_chinese_message_naming_the_file(build, name, code, words):
    error = refusal(build(), name)

    assert error.code == code
    assert isinstance(error, ValueError)
    assert CJK.search(error.message)
    assert words in error.message
    assert f"“{name}”" in error.message
    assert str(error) == error.message


def test_bomb_png_is_small_on_disk_and_refused_before_decoding():
    data = single_colour_png(20000, 20000)
    assert len(data) < 200 * 1024

    error = refusal(data, "炸弹.png", limits=UploadLimits(max_file_bytes=MB, max_declaration_bytes=MB,
                                                           max_pixels=10_000_000))
    assert error.code == "IMAGE_TOO_MANY_PIXELS"
    assert "10,000,000" in error.message


def test_pixel_limit_is_the_configured_one_below_pillows_own():
    data = single_colour_png(3000, 3000)  # 9 Mpx: far below Pillow's guard
    small = UploadLimits(max_file_bytes=MB, max_declaration_bytes=MB, max_pixels=8_999_999)
    exact = UploadLimits(max_file_bytes=MB, max_declaration_bytes=MB, max_pixels=9_000_000)

    assert refusal(data, "大图.png", limits=small).code == "IMAGE_TOO_MANY_PIXELS"
    checked = inspect_upload(io.BytesIO(data), original_name="大图.png", limits=exact)
    assert (checked.width, checked.height) == (3000, 3000)


def test_cut_off_images_are_refused_even_where_weasyprint_lets_pillow_load_them(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what `import weasyprint` does

    assert refusal(_jpeg_cut_in_its_scan(), "照片.jpg").code == "IMAGE_UNREADABLE"
    assert refusal(image_bytes("PNG", (300, 300))[:-200], "照片.png").code == "IMAGE_UNREADABLE"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # put back for WeasyPrint


def test_warning_filters_are_left_as_they_were():
    before = list(warnings.filters)
    refusal(single_colour_png(12000, 8000), "炸弹.png")  # 96 Mpx: Pillow warns, we refuse
    inspect_upload(io.BytesIO(image_bytes("PNG")), original_name="a.png", limits=LIMITS)
    assert warnings.filters == before


class EndlessZeros(io.RawIOBase):
    """A 'file' of a gigabyte that counts what was read from it."""

    def __init__(self):
        self.given = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), 1024 * MB - self.given)
        buffer[:n] = b"\x00" * n
        self.given += n
        return n


def test_oversized_file_is_refused_without_reading_it_all():
    source = EndlessZeros()
    limits = UploadLimits(max_file_bytes=MB, max_declaration_bytes=10 * MB, max_pixels=1000)

    with pytest.raises(UploadRefused) as caught:
        inspect_upload(source, original_name="录像.pdf", limits=limits)

    assert caught.value.code == "TOO_LARGE"
    assert "“录像.pdf”" in caught.value.message and "1 MB" in caught.value.message
    assert source.given <= MB + CHUNK_BYTES


def test_a_valid_file_just_at_the_limit_passes_and_one_byte_more_is_refused():
    data = pdf_bytes()
    at_limit = UploadLimits(max_file_bytes=len(data), max_declaration_bytes=MB, max_pixels=1000)
    below = UploadLimits(max_file_bytes=len(data) - 1, max_declaration_bytes=MB, max_pixels=1000)

    assert inspect_upload(io.BytesIO(data), original_name="a.pdf", limits=at_limit).size == len(data)
    assert refusal(data, "a.pdf", limits=below).code == "TOO_LARGE"


def test_pdf_of_too_many_objects_is_refused_as_too_complex(monkeypatch):
    def many_objects(writer):
        refs = ArrayObject(writer._add_object(NumberObject(i)) for i in range(600))
        writer.pages[0][NameObject("/PieceInfo")] = refs

    data = pdf_bytes(many_objects)
    assert inspect_upload(io.BytesIO(data), original_name="a.pdf", limits=LIMITS).pages == 1

    monkeypatch.setattr(uploads, "PDF_MAX_OBJECTS", 500)
    error = refusal(data, "复杂.pdf")
    assert error.code == "PDF_UNREADABLE"
    assert "结构过于复杂" in error.message and "“复杂.pdf”" in error.message


# --- accepted ----------------------------------------------------------------------------------


def assert_described(checked, data, *, kind, content_type, extension):
    assert checked.kind == kind
    assert checked.content_type == content_type
    assert checked.extension == extension
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def test_valid_pdf_is_accepted_with_its_pages_checksum_and_size():
    data = pdf_bytes(pages=3)
    checked = inspect_upload(io.BytesIO(data), original_name="学历证书.pdf", limits=LIMITS)

    assert_described(checked, data, kind="pdf", content_type="application/pdf", extension=".pdf")
    assert checked.pages == 3
    assert checked.display_name == "学历证书.pdf"
    assert checked.width is None and checked.height is None


def test_valid_jpeg_and_png_are_accepted_with_their_dimensions():
    jpeg, png = image_bytes("JPEG", (640, 480)), image_bytes("PNG", (30, 20), mode="L")

    checked_jpeg = inspect_upload(io.BytesIO(jpeg), original_name="证件照.jpg", limits=LIMITS)
    checked_png = inspect_upload(io.BytesIO(png), original_name="截图.png", limits=LIMITS)

    assert_described(checked_jpeg, jpeg, kind="jpeg", content_type="image/jpeg", extension=".jpg")
    assert (checked_jpeg.width, checked_jpeg.height, checked_jpeg.pages) == (640, 480, None)
    assert_described(checked_png, png, kind="png", content_type="image/png", extension=".png")
    assert (checked_png.width, checked_png.height) == (30, 20)


@pytest.mark.parametrize("change", [
    lambda w: setattr(w, "open_destination", w.pages[0]),
    lambda w: w.add_annotation(0, Link(rect=(10, 10, 100, 30), url="https://www.mohrss.gov.cn/")),
    lambda w: w.add_metadata({"/Title": "论文", "/Author": "张三"}),
], ids=["opens at a page", "web link", "metadata"])
def test_harmless_pdf_features_are_not_taken_for_active_content(change):
    data = pdf_bytes(change)
    assert inspect_upload(io.BytesIO(data), original_name="论文.pdf", limits=LIMITS).kind == "pdf"


def test_phone_camera_jpeg_with_a_second_picture_mpo_is_a_jpeg():
    out = io.BytesIO()
    first, second = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")
    first.save(out, format="MPO", save_all=True, append_images=[second])
    data = out.getvalue()

    checked = inspect_upload(io.BytesIO(data), original_name="IMG_0001.JPG", limits=LIMITS)

    assert (checked.kind, checked.display_name, checked.width) == ("jpeg", "IMG_0001.jpg", 40)


def test_pdf_with_slightly_wrong_offsets_is_accepted_as_readers_do():
    data = pdf_bytes(pages=2).replace(b"\n1 0 obj", b"\n   1 0 obj", 1)
    checked = inspect_upload(io.BytesIO(data), original_name="扫描件.pdf", limits=LIMITS)
    assert checked.pages == 2


def test_declared_name_and_type_are_ignored_the_content_decides():
    jpeg = image_bytes("JPEG")
    upload = SimpleUploadedFile("photo.png", jpeg, content_type="image/png")

    checked = inspect_upload(upload, original_name=upload.name, limits=LIMITS)

    assert (checked.kind, checked.content_type, checked.display_name) == ("jpeg", "image/jpeg", "photo.jpg")
    assert upload.tell() == 0  # rewound: the caller stores the same bytes
    assert hashlib.sha256(upload.read()).hexdigest() == checked.sha256


def test_a_pdf_named_like_a_path_is_kept_as_its_base_name():
    checked = inspect_upload(io.BytesIO(pdf_bytes()), original_name="../../etc/passwd.pdf", limits=LIMITS)
    assert checked.display_name == "passwd.pdf"


# --- display names -----------------------------------------------------------------------------

LONG = "很" * 150


@pytest.mark.parametrize("given, extension, shown", [
    ("../../etc/passwd.pdf", None, "passwd.pdf"),
    ("C:\\Users\\张三\\Desktop\\学位证.PDF", None, "学位证.PDF"),
    ("..\\..\\boot.ini/..\\x.png", None, "x.png"),
    ("photo.png", ".jpg", "photo.jpg"),
    ("photo.jpeg", ".jpg", "photo.jpg"),
    ("报告", ".pdf", "报告.pdf"),
    ("张三 v1.2", ".pdf", "张三 v1.2.pdf"),
    ("report.final.pdf", ".pdf", "report.final.pdf"),
    ("invoice\u202egpj.exe", None, "invoicegpj.exe"),
    ("a\u2066b\u2069c\u200e\u200f.pdf", None, "abc.pdf"),
    ("line\r\nbreak\x00\x1b[31m.pdf", None, "linebreak[31m.pdf"),
    ("  spaced name.pdf  ", None, "spaced name.pdf"),
    ("e\u0301cole.pdf", None, "\u00e9cole.pdf"),  # NFC
    ("", ".pdf", "未命名文件.pdf"),
    ("../", ".png", "未命名文件.png"),
    ("..", None, "未命名文件"),
    (".pdf", None, "未命名文件.pdf"),
    (".bashrc", ".png", ".bashrc.png"),
    ("\u202e\u202e.pdf", ".pdf", "未命名文件.pdf"),
    ("lone\ud800surrogate.pdf", None, "lonesurrogate.pdf"),
    (LONG + ".pdf", None, "很" * 96 + ".pdf"),
    (LONG + ".jpeg", ".jpg", "很" * 96 + ".jpg"),
])
def test_clean_display_name(given, extension, shown):
    cleaned = clean_display_name(given, extension=extension)
    assert cleaned == shown
    assert len(cleaned) <= 100


def test_refusal_names_the_cleaned_name_not_the_raw_one():
    error = refusal(HTML, "/tmp/\u202eevil\r\n.png")
    assert "“evil.png”" in error.message
    assert "\u202e" not in error.message and "\n" not in error.message


# --- limits ------------------------------------------------------------------------------------


def test_declaration_total_may_reach_the_limit_but_not_pass_it():
    limits = UploadLimits(max_file_bytes=10 * MB, max_declaration_bytes=100 * MB, max_pixels=1000)

    check_declaration_total(95 * MB, 5 * MB, limits)  # exactly 100 MB
    with pytest.raises(UploadRefused) as caught:
        check_declaration_total(95 * MB, 5 * MB + 1, limits, display_name="获奖证书.pdf")

    assert caught.value.code == "DECLARATION_TOO_LARGE"
    assert "“获奖证书.pdf”" in caught.value.message
    assert "100 MB" in caught.value.message and "95 MB" in caught.value.message


def test_limits_come_from_settings(settings):
    settings.UPLOAD_MAX_FILE_MB = 2
    settings.UPLOAD_MAX_DECLARATION_MB = 30
    settings.UPLOAD_MAX_PIXELS = 5_000_000

    limits = limits_from_settings()

    assert limits == UploadLimits(max_file_bytes=2 * MB, max_declaration_bytes=30 * MB, max_pixels=5_000_000)
    assert limits.describe() == "只接受 PDF、JPEG 或 PNG 文件；单个文件不超过 2 MB，每份申报的材料合计不超过 30 MB"


def test_default_limits_are_the_documented_ones():
    limits = limits_from_settings()
    assert (limits.max_file_bytes, limits.max_declaration_bytes, limits.max_pixels) == (
        10 * MB, 100 * MB, 40_000_000)


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="max_pixels"):
        UploadLimits(max_file_bytes=1, max_declaration_bytes=1, max_pixels=0)
