"""What the public sees without signing in: the catalogue, published plans with their calendars and
PDFs, the committees and their filings, the eligibility self-check (rate-limited); never a draft."""

from pathlib import Path

import pytest
from django.test import override_settings

from accounts.models import Role
from tests.factories import UserFactory, committee, review_plan, user_with_role
from titles.rendering import render_plan_document
from titles.services import publish_plan

pytestmark = pytest.mark.django_db

CASE = Path(__file__).resolve().parents[3] / "shared" / "cases" / "eligibility" / "p01_regular_ok.json"
API = "/api/v1/eligibility/check"


@pytest.fixture
def plans(org_tree):
    bureau_user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    published = review_plan(org_tree["bureau"], name="建筑专业方案")
    publish_plan(actor=bureau_user, plan_id=published.pk)
    draft = review_plan(org_tree["bureau"], name="快递专业草稿")
    return published, draft


def test_signed_out_the_catalogue_a_published_plan_and_the_self_check_answer(client, plans):
    published, draft = plans
    catalogue = client.get("/titles/catalogue/")
    assert catalogue.status_code == 200 and "工程师" in catalogue.content.decode()
    listing = client.get("/titles/plans/").content.decode()
    assert "建筑专业方案" in listing and "快递专业草稿" not in listing
    page = client.get(f"/titles/plans/{published.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "评审会议" in html and "2026年11月10日" in html and "发布前检查" not in html
    assert client.get("/titles/eligibility/").status_code == 200
    response = client.post(API, data=CASE.read_text(encoding="utf-8"), content_type="application/json")
    assert response.status_code == 200 and response.json()["eligible"] is True


def test_signed_out_a_draft_is_not_found(client, plans):
    _, draft = plans
    assert client.get(f"/titles/plans/{draft.pk}/").status_code == 404
    assert client.get(f"/titles/plans/{draft.pk}/document.pdf").status_code == 404
    response = client.post(f"/titles/plans/{draft.pk}/publish/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_signed_out_the_published_plan_pdf_downloads(client, plans):
    published, _ = plans
    render_plan_document(plan_id=published.pk)
    html = client.get(f"/titles/plans/{published.pk}/").content.decode()
    assert f"/titles/plans/{published.pk}/document.pdf" in html
    response = client.get(f"/titles/plans/{published.pk}/document.pdf")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_signed_out_the_committees_show_their_filings(client, org_tree):
    from datetime import date

    committee(org_tree["bureau"], name="工程系列中级评审委员会")
    committee(org_tree["bureau"], name="卫生系列中级评审委员会", series_name="卫生", filing_number="晋职改备〔2020〕3号",
              filed_from=date(2020, 1, 1), filed_until=date(2022, 12, 31))
    response = client.get("/committees/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "晋职改备〔2026〕1号" in html and "2024年1月1日至2028年12月31日" in html and "有效" in html
    assert "晋职改备〔2020〕3号" in html and "已过期" in html
    assert "本系列全部专业" in html and "中级" in html


def test_the_public_navigation_leads_to_the_public_pages(client):
    html = client.get("/titles/catalogue/").content.decode()
    for url in ("/titles/catalogue/", "/titles/plans/", "/committees/", "/titles/eligibility/", "/accounts/login/"):
        assert f'href="{url}"' in html


@override_settings(ELIGIBILITY_ANON_RATE="2/min")
def test_signed_out_self_checks_are_rate_limited_with_a_chinese_message(client):
    body = CASE.read_text(encoding="utf-8")
    for _ in range(2):
        assert client.post(API, data=body, content_type="application/json").status_code == 200
    response = client.post(API, data=body, content_type="application/json")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    [message] = response.json()["errors"]["detail"]
    assert "过于频繁" in message and "秒后再试" in message and response.json()["code"] == "throttled"
    page = client.post("/titles/eligibility/", {"declaration_year": "2026"})  # the page shares the count
    assert page.status_code == 429 and "过于频繁" in page.content.decode()
    htmx = client.post("/titles/eligibility/", {"declaration_year": "2026"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 429 and "过于频繁" in htmx.content.decode()
    assert client.get("/titles/eligibility/").status_code == 200  # the empty form is not counted
    forged = client.post(API, data=body, content_type="application/json", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forged.status_code == 429  # a forged X-Forwarded-For from an untrusted peer changes nothing


@override_settings(ELIGIBILITY_ANON_RATE="1/min")
def test_signed_in_users_are_not_rate_limited(client):
    client.force_login(UserFactory())
    body = CASE.read_text(encoding="utf-8")
    for _ in range(3):
        assert client.post(API, data=body, content_type="application/json").status_code == 200


def test_the_committee_list_costs_the_same_queries_for_more_committees(client, org_tree,
                                                                         django_assert_max_num_queries):
    committee(org_tree["bureau"], name="评委会 0")
    with django_assert_max_num_queries(8) as few:
        assert client.get("/committees/").status_code == 200
    for n in range(1, 9):
        board = committee(org_tree["bureau"], name=f"评委会 {n}")
        board.specialties.set(board.series.specialties.all()[:2])
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/committees/").content.decode()
    assert html.count("<tr data-committee=") == 9
