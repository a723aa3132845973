"""Public verification (page, QR link, API): no sign-in, rate-limited, masked, 'not found' without
saying which field; the workspace list and the PDF behind the gate."""

import pytest
from django.test import Client

from accounts.models import Role
from certificates.models import Certificate
from certificates.services import issue_certificates, revoke_certificate
from tests.certificates.conftest import APPROVAL, approved, holder
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_render(monkeypatch):
    from certificates import services

    monkeypatch.setattr(services, "attach_pdf", lambda certificate_id: Certificate.objects.get(pk=certificate_id))


@pytest.fixture
def issued(no_render, plan, org_tree):
    [certificate] = issue_certificates(declaration_ids=[approved(holder(org_tree), plan).pk], **APPROVAL)
    return certificate


def test_the_page_and_the_qr_link_verify_without_sign_in_and_show_masked_data(issued):
    anonymous = Client()
    assert "证书编号" in anonymous.get("/verify/").content.decode()
    page = anonymous.get("/verify/", {"number": issued.number, "code": issued.verification_code.lower()})
    text = page.content.decode()
    assert page.status_code == 200 and "证书有效" in text and "张伟" in text and "工程师" in text
    assert issued.holder_id_masked in text and issued.holder.id_number not in text
    assert issued.holder.phone not in text
    link = anonymous.get(f"/verify/{issued.number}/{issued.verification_code}/")
    assert link.status_code == 200 and "证书有效" in link.content.decode()


@pytest.mark.parametrize("wrong", ["number", "code", "both"])
def test_unknown_is_not_found_without_telling_which_field(issued, wrong):
    number = issued.number if wrong == "code" else "2026-140400-9999-000001"
    code = issued.verification_code if wrong == "number" else "ABCDEFGH"
    anonymous = Client()
    page = anonymous.get("/verify/", {"number": number, "code": code})
    assert page.status_code == 404 and "未找到该证书" in page.content.decode()
    api = anonymous.get("/api/v1/certificates/verify/", {"number": number, "code": code})
    assert api.status_code == 404
    assert api.json()["detail"] == "未找到该证书：请核对证书编号和验证码"


def test_the_api_names_missing_fields_and_answers_a_revoked_certificate(issued, bureau_user):
    anonymous = Client()
    missing = anonymous.get("/api/v1/certificates/verify/", {"number": issued.number})
    assert missing.status_code == 400 and list(missing.json()["errors"]) == ["code"]
    revoke_certificate(actor=bureau_user, certificate_id=issued.pk, reason="fraud", text="伪造")
    body = anonymous.get("/api/v1/certificates/verify/",
                         {"number": issued.number, "code": issued.verification_code}).json()
    assert body["status"] == "revoked" and body["revocation_reason_display"] == "弄虚作假、学术不端取得"
    assert body["holder_id_number"] == issued.holder_id_masked
    assert set(body) >= {"number", "holder_name", "title_name", "revoked_on"} and "verification_code" not in body
    page = anonymous.get(f"/verify/{issued.number}/{issued.verification_code}/").content.decode()
    assert "证书已撤销" in page and "弄虚作假、学术不端取得" in page and "伪造" not in page


def test_a_look_up_is_one_query_and_shows_what_the_whole_row_shows(issued, bureau_user, django_assert_num_queries):
    """The certificate is read with only what the page shows, its SQL compiled once (issue 20): the same public
    view as from the whole row, valid or revoked, and nothing read again later."""
    from certificates.selectors import find_for_verification, public_view

    anonymous = Client(REMOTE_ADDR="10.0.0.9")
    link = f"/verify/{issued.number}/{issued.verification_code}/"
    anonymous.get(link)
    with django_assert_num_queries(1):
        assert "证书有效" in anonymous.get(link).content.decode()
    with django_assert_num_queries(1):
        assert anonymous.get(f"/verify/{issued.number}/ABCDEFGH/").status_code == 404

    def look_up():
        with django_assert_num_queries(1):
            found = find_for_verification(f" {issued.number} ", issued.verification_code.lower())
            shown = public_view(found)
        assert found.pk == issued.pk and shown == public_view(Certificate.objects.get(pk=issued.pk))
        return shown

    assert look_up()["status"] == "valid"
    revoke_certificate(actor=bureau_user, certificate_id=issued.pk, reason="fraud", text="伪造")
    revoked = look_up()
    assert revoked["status"] == "revoked" and revoked["revocation_reason"] == "fraud" and revoked["revoked_on"]


def test_look_ups_are_rate_limited_per_address(settings, issued):
    settings.CERTIFICATE_VERIFY_RATE = "3/min"
    first, second = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    query = {"number": issued.number, "code": issued.verification_code}
    assert [first.get("/verify/", query).status_code for _ in range(2)] == [200, 200]
    assert first.get("/api/v1/certificates/verify/", query).status_code == 200
    refused = first.get("/api/v1/certificates/verify/", query)
    assert refused.status_code == 429 and "证书核验过于频繁" in str(refused.json())
    assert first.get(f"/verify/{issued.number}/{issued.verification_code}/").status_code == 429
    assert first.get("/verify/").status_code == 200  # the empty form is not a look-up
    assert second.get("/verify/", query).status_code == 200


def test_holder_employer_and_bureau_see_it_others_do_not(settings, signing, plan, org_tree, client, bureau_user):
    person = holder(org_tree)
    [certificate] = issue_certificates(declaration_ids=[approved(person, plan).pk], **APPROVAL)
    pdf_url = f"/certificates/{certificate.pk}/certificate.pdf"
    client.force_login(person)
    assert certificate.number in client.get("/certificates/").content.decode()
    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    for user in (user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"]),
                 user_with_role(Role.DEPT_REVIEWER, org_tree["dept"]), bureau_user):
        client.force_login(user)
        assert certificate.number in client.get("/certificates/").content.decode(), user
        assert client.get(pdf_url).status_code == 200
        assert client.get(f"/api/v1/certificates/{certificate.pk}/").json()["number"] == certificate.number
    for user in (user_with_role(Role.APPLICANT, org_tree["employer_a"]),
                 user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_b"]),
                 user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"])):
        client.force_login(user)
        assert certificate.number not in client.get("/certificates/").content.decode()
        assert client.get(pdf_url).status_code == 403
        assert client.get(f"/api/v1/certificates/{certificate.pk}/").status_code == 403
    assert Client().get(pdf_url).status_code == 302  # to the sign-in page


def test_the_bureau_revokes_from_the_page(issued, client, bureau_user):
    client.force_login(issued.holder)
    assert "撤销证书" not in client.get(f"/certificates/{issued.pk}/").content.decode()
    assert client.post(f"/certificates/{issued.pk}/revoke/", {"reason": "fraud", "text": "x"}).status_code == 403
    client.force_login(bureau_user)
    assert "撤销证书" in client.get(f"/certificates/{issued.pk}/").content.decode()
    page = client.post(f"/certificates/{issued.pk}/revoke/", {"reason": "fraud", "text": ""}, follow=True)
    assert "请填写撤销说明" in page.content.decode()
    client.post(f"/certificates/{issued.pk}/revoke/", {"reason": "fraud", "text": "论文抄袭"})
    issued.refresh_from_db()
    assert issued.status == "revoked"


@pytest.mark.parametrize("size", [2, 12])
def test_the_list_costs_the_same_queries_at_two_sizes(no_render, plan, org_tree, client, bureau_user, size,
                                                      django_assert_max_num_queries):
    ids = [approved(holder(org_tree, n), plan).pk for n in range(size)]
    issue_certificates(declaration_ids=ids, **APPROVAL)
    client.force_login(bureau_user)
    with django_assert_max_num_queries(12):
        page = client.get("/certificates/")
    assert page.content.decode().count("data-certificate=") == size
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/certificates/").json()["results"]) == size
