"""A real certificate: rendered, read back, its signature validated, its QR code decoded."""

import io
import subprocess

import pytest

from certificates.models import Certificate
from certificates.services import issue_certificates
from tests.certificates.conftest import APPROVAL, PUBLIC, approved, holder

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(signing, plan, org_tree):
    declaration = approved(holder(org_tree, real_name="欧阳明远"), plan)
    [certificate] = issue_certificates(declaration_ids=[declaration.pk], **APPROVAL)
    return certificate


def _bytes(certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def test_the_pdf_reads_back_with_the_chinese_name_title_number_and_masked_id(certificate):
    data = _bytes(certificate)
    assert data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    flat = "".join(text.split())
    assert "欧阳明远" in flat and "工程师" in flat and certificate.number in flat
    assert certificate.holder_id_masked in flat and certificate.holder.id_number not in flat
    assert "长人社职字〔2026〕88号" in flat and "2026年12月10日" in flat and "工程系列中级评审委员会" in flat
    assert certificate.verification_code in flat
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True).stdout.decode()
    assert "CJK" in fonts and "yes" in fonts  # embedded


def test_the_signature_is_intact_and_valid_against_the_demo_trust_root(certificate, signing):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    data = _bytes(certificate)
    [signature] = PdfFileReader(io.BytesIO(data)).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[load_cert_from_pemder(str(signing))]))
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"
    assert certificate.sha256 == __import__("hashlib").sha256(data).hexdigest()
    # one changed byte (in the header's binary comment: the file still parses) breaks it
    assert data[9:10] == b"%"
    tampered = data[:11] + bytes([data[11] ^ 0x01]) + data[12:]
    [signature] = PdfFileReader(io.BytesIO(tampered)).embedded_signatures
    broken = validate_pdf_signature(signature, ValidationContext(trust_roots=[load_cert_from_pemder(str(signing))]))
    assert not broken.intact and not broken.bottom_line


def test_an_untrusted_root_does_not_validate(certificate, tmp_path):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from certificates.signing_keys import make_signing_pair

    make_signing_pair(key_path=tmp_path / "other.key", cert_path=tmp_path / "other.pem")
    [signature] = PdfFileReader(io.BytesIO(_bytes(certificate))).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[load_cert_from_pemder(
        str(tmp_path / "other.pem"))]))
    assert status.intact and not status.trusted


def test_the_qr_code_decodes_to_the_absolute_public_verification_url(certificate, tmp_path):
    import zxingcpp
    from PIL import Image

    (tmp_path / "c.pdf").write_bytes(_bytes(certificate))
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(tmp_path / "c.pdf"), str(tmp_path / "page")],
                   check=True)
    [image] = sorted(tmp_path.glob("page*.png"))
    codes = zxingcpp.read_barcodes(Image.open(image))
    assert [c.text for c in codes] == [f"{PUBLIC}/verify/{certificate.number}/{certificate.verification_code}/"]


def test_a_directed_title_states_where_it_is_valid(signing, plan, org_tree):
    declaration = approved(holder(org_tree), plan, route="directed")
    [certificate] = issue_certificates(declaration_ids=[declaration.pk], **APPROVAL)
    assert "定向评价、定向使用" in certificate.scope and "基层单位" in certificate.scope
    text = subprocess.run(["pdftotext", "-", "-"], input=_bytes(certificate), capture_output=True).stdout.decode()
    assert "仅在" in "".join(text.split()) and "基层单位有效" in "".join(text.split())
    assert Certificate.objects.get().scope == certificate.scope
