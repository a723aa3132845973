"""The certificate as a PDF: a Django template through WeasyPrint (A4, CJK fonts embedded), a QR code
(segno) to the public verification page, then a PAdES signature (pyHanko) with the key and certificate
named in the settings (``CERT_SIGNING_KEY``, ``CERT_SIGNING_CERT``, ``CERT_SIGNING_PASSPHRASE``).

No database writes here: ``render_certificate`` takes a certificate row and returns the signed bytes.
"""

import io
from functools import lru_cache
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from titles.documents import citation


class SigningUnavailable(RuntimeError):
    """The signing key or certificate cannot be used (message in Chinese)."""


def verification_url(number: str, code: str) -> str:
    """The absolute public address of a certificate's verification (what the QR code holds)."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("certificates:verify-link", args=[number, code])


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").png_data_uri(scale=6, border=4)


def certificate_html(certificate, citations) -> str:
    return render_to_string("certificates/pdf/certificate.html", {
        "certificate": certificate,
        "issued_on": timezone.localtime(certificate.issued_at).date(),
        "qr": qr_data_uri(verification_url(certificate.number, certificate.verification_code)),
        "verify_page": settings.PUBLIC_BASE_URL.rstrip("/") + reverse("certificates:verify"),
        "equal_to_paper": citation(citations, "CERT_EQUAL_TO_PAPER"),
        "issuer": certificate.committee_name,
    })


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy: loaded by the worker when it renders

    return HTML(string=html).write_pdf()


@lru_cache(maxsize=4)
def _signer(key_path: str, cert_path: str, passphrase: str, mtimes: tuple):
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(key_path, cert_path, key_passphrase=passphrase.encode() or None)
    if signer is None:
        raise SigningUnavailable(f"无法读取签名私钥或证书（{key_path}、{cert_path}）：请检查文件和口令 CERT_SIGNING_PASSPHRASE")
    return signer


def signer():
    key, cert = Path(settings.CERT_SIGNING_KEY), Path(settings.CERT_SIGNING_CERT)
    missing = [str(p) for p in (key, cert) if not p.is_file()]
    if missing:
        raise SigningUnavailable(f"找不到电子证书签名文件：{'、'.join(missing)}（运行 manage.py make_signing_cert 生成演示签名证书，"
                                 "或设置 CERT_SIGNING_KEY、CERT_SIGNING_CERT）")
    return _signer(str(key), str(cert), settings.CERT_SIGNING_PASSPHRASE,
                   (key.stat().st_mtime_ns, cert.stat().st_mtime_ns))


def sign_pdf(pdf: bytes, *, reason: str = "职称电子证书", location: str = "") -> bytes:
    """A PAdES baseline (B-B) signature over the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    metadata = signers.PdfSignatureMetadata(field_name="Signature", reason=reason, location=location or None,
                                            subfilter=SigSeedSubFilter.PADES)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return signers.sign_pdf(writer, metadata, signer=signer()).getvalue()


def render_certificate(certificate, citations) -> bytes:
    """The signed PDF of one certificate."""
    return sign_pdf(html_to_pdf(certificate_html(certificate, citations)), location=certificate.region_code)
