"""The public verification page in a real browser: a valid, a revoked and an unknown certificate,
typed into the form and reached through the QR code's link; no sign-in."""

import pytest
from playwright.sync_api import expect

from certificates.models import Certificate
from certificates.services import issue_certificates, revoke_certificate
from tests.certificates.conftest import APPROVAL, after_approval, approved, bureau_user, holder  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def certificates(monkeypatch, plan, org_tree, bureau_user):  # noqa: F811
    from certificates import services
    from titles.models import TitleName

    # a transactional test starts from an empty catalogue (the flush removes the migrations' data)
    TitleName.objects.get_or_create(series=plan.series, level="intermediate", specialty=None,
                                    defaults={"name": "工程师"})
    monkeypatch.setattr(services, "attach_pdf", lambda certificate_id: Certificate.objects.get(pk=certificate_id))
    ids = [approved(holder(org_tree, 1, real_name="李娜"), plan).pk, approved(holder(org_tree, 2, real_name="赵强"), plan).pk]
    valid, revoked = issue_certificates(declaration_ids=ids, **APPROVAL)
    revoke_certificate(actor=bureau_user, certificate_id=revoked.pk, reason="fraud", text="论文抄袭")
    return valid, Certificate.objects.get(pk=revoked.pk)


def _verify(page, base_url, number, code):
    page.goto(f"{base_url}/verify/")
    page.fill("#id_number", number)
    page.fill("#id_code", code)
    page.get_by_role("button", name="核验").click()


def test_valid_revoked_and_unknown(page, live_server, certificates):
    valid, revoked = certificates
    _verify(page, live_server.url, valid.number, valid.verification_code.lower())
    result = page.get_by_test_id("verify-result")
    expect(page.get_by_test_id("verify-status")).to_have_text("证书有效")
    expect(result).to_contain_text("李娜")
    expect(result).to_contain_text(valid.holder_id_masked)
    expect(result).to_contain_text("工程师")
    expect(result).not_to_contain_text(valid.holder.id_number)

    _verify(page, live_server.url, revoked.number, revoked.verification_code)
    expect(page.get_by_test_id("verify-status")).to_have_text("证书已撤销")
    expect(page.get_by_test_id("verify-result")).to_contain_text("弄虚作假、学术不端取得")
    expect(page.get_by_test_id("verify-result")).not_to_contain_text("论文抄袭")

    _verify(page, live_server.url, valid.number, "WRONGCDE")
    expect(page.get_by_test_id("verify-status")).to_have_text("未找到该证书")
    expect(page.get_by_test_id("verify-result")).not_to_contain_text("李娜")

    page.goto(f"{live_server.url}/verify/{revoked.number}/{revoked.verification_code}/")
    expect(page.get_by_test_id("verify-status")).to_have_text("证书已撤销")
    expect(page.get_by_test_id("public-nav")).to_contain_text("证书核验")
