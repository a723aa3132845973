"""Issue 12: bad input is never a 500. Every malformed input the issue lists, with DEBUG off, answers
the right 4xx with a Chinese body naming what is wrong (``{"errors": {...}}`` under /api/)."""

import copy
import json
import logging
import re
from datetime import date

import pytest

from accounts.models import Role
from tests.clients import SignedInClient
from tests.factories import review_plan, user_with_role
from titles.models import PlanPhase, ReviewPlan, Specialty
from titles.services import publish_plan

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")
CASE = json.loads("""{"as_of": "2026-09-01", "declaration_year": 2026, "material_deadline": "2026-09-30",
  "target": {"series": "工程", "level": "intermediate", "route": "regular"},
  "applicant": {"sector": "public", "career_start": "2015-07-01"}}""")


@pytest.fixture(autouse=True)
def production_like(settings):
    settings.DEBUG = False


@pytest.fixture
def bureau_user(org_tree):
    return user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])


@pytest.fixture
def published(org_tree, bureau_user):
    plan = review_plan(org_tree["bureau"])
    publish_plan(actor=bureau_user, plan_id=plan.pk)
    return plan


@pytest.fixture
def api(client, bureau_user):
    client.force_login(bureau_user)
    return client


def _errors(response, status):
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert body["errors"] and CHINESE.search(json.dumps(body["errors"], ensure_ascii=False)), body
    return body["errors"]


def _nested(depth):
    return "[" * depth + "]" * depth


# --- ids in the URL ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/api/v1/plans/abc/", "/api/v1/plans/abc/publish/", "/api/v1/plans/abc/amend/", "/api/v1/plans/abc/problems/",
    "/api/v1/organisations/1'/", "/api/v1/plans/%00/", "/api/v1/plans/1.5/", "/api/v1/plans/-1/",
    "/api/v1/plans/99999999999999999999999/problems/",
])
def test_an_id_that_is_not_a_whole_number_is_404_in_chinese(api, path):
    response = api.post(path) if path.endswith(("publish/", "amend/")) else api.get(path)
    assert "detail" in _errors(response, 404)


def test_an_id_that_does_not_exist_is_404_and_another_bureaus_draft_is_403(api, org_tree):
    assert _errors(api.get("/api/v1/plans/999999/problems/"), 404)
    draft = review_plan(org_tree["other_bureau"])
    assert "无权" in _errors(api.get(f"/api/v1/plans/{draft.pk}/"), 403)["detail"][0]


def test_a_state_conflict_is_409_with_its_code(api, published, org_tree):
    response = api.post(f"/api/v1/plans/{published.pk}/publish/")
    assert "已发布" in _errors(response, 409)["plan"][0] and response.json()["code"] == "already_published"
    draft = review_plan(org_tree["bureau"])
    response = api.post(f"/api/v1/plans/{draft.pk}/amend/", data={"reason": "x"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "not_published"


# --- bodies -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/v1/eligibility/check", "amend"])
def test_json_nested_a_thousand_deep_is_400(api, published, url):
    url = f"/api/v1/plans/{published.pk}/amend/" if url == "amend" else url
    errors = _errors(api.post(url, data=_nested(1000), content_type="application/json"), 400)
    assert "嵌套" in errors["body"][0]
    deep = '{"reason": "x", "phases": {"declaration": {"start": "2026-08-01", "x": ' + _nested(70) + "}}}"
    assert "嵌套" in _errors(api.post(url, data=deep, content_type="application/json"), 400)["body"][0]


@pytest.mark.parametrize("body", ["{not json", '{"a": NaN}', "\ud800".encode("utf-8", "surrogatepass")])
def test_a_parse_error_is_400_with_errors_not_detail(api, body):
    response = api.post("/api/v1/eligibility/check", data=body, content_type="application/json")
    assert "JSON" in _errors(response, 400)["body"][0]


def test_a_nul_character_in_region_code_is_400_naming_the_field(api):
    response = api.post("/api/v1/eligibility/check", data={**CASE, "region_code": "1404\x0000"},
                        content_type="application/json")
    assert "空字符" in _errors(response, 400)["region_code"][0]
    response = api.post("/api/v1/eligibility/check", data={**CASE, "region_code": "长治"},
                        content_type="application/json")
    assert "region_code" in _errors(response, 400)


def test_a_nul_character_in_an_amendment_reason_is_400_naming_the_field(api, published):
    response = api.post(f"/api/v1/plans/{published.pk}/amend/", data={"reason": "a\x00b"},
                        content_type="application/json")
    assert "reason" in _errors(response, 400)


def test_an_unsupported_media_type_is_415_with_errors(api, published):
    response = api.post(f"/api/v1/plans/{published.pk}/amend/", data="reason=x",
                        content_type="application/x-www-form-urlencoded")
    assert "application/json" in _errors(response, 415)["body"][0]


def test_a_body_over_the_limit_is_413_in_chinese(api, published, settings):
    big = json.dumps({"reason": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    for url in ("/api/v1/eligibility/check", f"/api/v1/plans/{published.pk}/amend/"):
        assert "过大" in _errors(api.post(url, data=big, content_type="application/json"), 413)["body"][0]


def test_a_form_over_the_limit_is_a_chinese_413_page(client, settings):
    response = client.post("/accounts/login/", {"username": "u", "password": "x" * (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    assert response.status_code == 413 and "提交的内容过大" in response.content.decode()


# --- dates ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "field"), [
    ({"reason": "x", "phases": {"declaration": {"start": "0001-01-01", "end": "2026-09-30"}}}, "phases"),
    ({"reason": "x", "phases": {"filing": {"start": "2026-12-01", "end": "9999-12-31"}}}, "phases"),
    ({"reason": "x", "issued_on": "1900-01-01"}, "issued_on"),
])
def test_an_amendment_with_a_date_out_of_range_is_400_naming_the_field(api, published, data, field):
    errors = _errors(api.post(f"/api/v1/plans/{published.pk}/amend/", data=data,
                              content_type="application/json"), 400)
    assert "1950" in json.dumps(errors[field], ensure_ascii=False)
    assert list(PlanPhase.objects.filter(plan=published).values_list("start", flat=True)) != [date(1, 1, 1)]


def test_a_stored_phase_from_year_one_does_not_break_page_problems_or_publish(client, org_tree, bureau_user):
    plan = review_plan(org_tree["bureau"])
    PlanPhase.objects.filter(plan=plan, kind="declaration").update(start=date(1, 1, 1))  # as stored before 0007
    client.force_login(bureau_user)
    assert client.get(f"/titles/plans/{plan.pk}/").status_code == 200
    rules = {p["rule"] for p in client.get(f"/api/v1/plans/{plan.pk}/problems/").json()["problems"]}
    assert "NO_CROSS_YEAR" in rules
    response = client.post(f"/api/v1/plans/{plan.pk}/publish/")
    assert response.status_code == 400 and response.json()["code"] == "calendar_rules_broken"
    assert ReviewPlan.objects.get(pk=plan.pk).status == ReviewPlan.Status.DRAFT


def test_the_admin_refuses_a_draft_phase_from_year_one(admin_client, org_tree):
    plan = review_plan(org_tree["bureau"])
    page = admin_client.get(f"/admin/titles/reviewplan/{plan.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in ("year", "name", "organisation", "committee", "series",
                                                           "document_number")}
    data.update(levels='["intermediate"]', issued_on="0001-01-01", **{
        "phases-TOTAL_FORMS": "1", "phases-INITIAL_FORMS": "0", "phases-MIN_NUM_FORMS": "0",
        "phases-MAX_NUM_FORMS": "1000", "phases-0-kind": "correction", "phases-0-start": "0001-01-01",
        "phases-0-end": "2026-10-10", "phases-0-plan": str(plan.pk)})
    response = admin_client.post(f"/admin/titles/reviewplan/{plan.pk}/change/", data)
    text = response.content.decode()
    assert response.status_code == 200 and text.count("日期超出可受理的范围") >= 2
    assert not PlanPhase.objects.filter(start=date(1, 1, 1)).exists()
    assert ReviewPlan.objects.get(pk=plan.pk).issued_on == date(2026, 7, 1)


def test_the_admin_refuses_an_amendment_from_year_one(admin_client, published):
    response = admin_client.post("/admin/titles/planamendment/add/", {
        "plan": published.pk, "kind": "declaration", "start": "0001-01-01", "end": "2026-09-30", "reason": "x"})
    assert response.status_code == 200 and "日期超出可受理的范围" in response.content.decode()
    assert not published.amendments.exists()


def test_years_and_dates_out_of_range_are_refused_by_the_models(org_tree):
    from django.core.exceptions import ValidationError

    plan = review_plan(org_tree["bureau"])
    plan.year = 32000
    committee = plan.committee
    committee.filed_until = date(1, 1, 1)
    specialty = Specialty(series=plan.series, name="新专业", added_year=1900)
    for obj, field in ((plan, "year"), (committee, "filed_until"), (specialty, "added_year")):
        with pytest.raises(ValidationError) as info:
            obj.full_clean()
        assert field in info.value.message_dict and "1950" in info.value.message_dict[field][0]


# --- the admin --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/admin/titles/reviewplan/{pk}/history/abc/", "/admin/titles/reviewplan/abc/history/",
                                  "/admin/accounts/organisation/{org}/history/1%00/"])
def test_admin_history_with_a_bad_id_is_404(admin_client, published, org_tree, path):
    response = admin_client.get(path.format(pk=published.pk, org=org_tree["bureau"].pk))
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["?status__exact=%00", "?q=%00", "?year=1%002", "?%00=1"])
def test_a_nul_character_in_a_query_is_a_chinese_400(admin_client, api, query):
    response = admin_client.get(f"/admin/titles/reviewplan/{query}")
    assert response.status_code == 400 and "空字符" in response.content.decode()
    assert "空字符" in json.dumps(_errors(api.get(f"/api/v1/organisations/{query}"), 400), ensure_ascii=False)


@pytest.mark.parametrize("selected", ["1\x00", "abc", "99999999999999999999999"])
def test_an_admin_action_on_ids_that_are_not_ids_is_400(admin_client, published, selected):
    response = admin_client.post("/admin/titles/reviewplan/", {"action": "publish_selected",
                                                               "_selected_action": [selected]})
    assert response.status_code == 400 and "编号无效" in response.content.decode()


def test_a_session_cookie_with_a_nul_character_counts_as_signed_out(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijk"
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("value", ["[" * 5000 + "]" * 5000, '["intermediate\\u0000"]'])
@pytest.mark.parametrize("url", ["/admin/titles/reviewplan/add/", "/admin/titles/rulebookversion/add/",
                                 "/admin/titles/workingdayschedule/add/"])
def test_admin_json_fields_refuse_deep_nesting_and_nul(admin_client, published, url, value):
    data = {"year": "2027", "name": "x", "organisation": published.organisation_id, "version": "1",
            "committee": published.committee_id, "series": published.series_id, "status": "draft",
            "phases-TOTAL_FORMS": "0", "phases-INITIAL_FORMS": "0", "calendar": "{}", "workdays": "[]",
            "levels": value, "eligibility": value, "holidays": value}
    response = admin_client.post(url, data)
    text = response.content.decode()
    if url == "/admin/titles/reviewplan/add/":  # a plan's levels are ticked from the five levels, not typed JSON
        assert response.status_code == 200 and "有效" in text and "层级" in text
    else:
        assert response.status_code == 200 and ("嵌套层数超过 64" in text or "空字符" in text)


# --- CSRF, error pages and the log -----------------------------------------------------------------

def test_a_csrf_refusal_is_chinese_for_the_api_and_the_pages(bureau_user, published):
    client = SignedInClient(enforce_csrf_checks=True)  # signed in with the second factor too
    client.force_login(bureau_user)
    errors = _errors(client.post(f"/api/v1/plans/{published.pk}/amend/", data={"reason": "x"},
                                 content_type="application/json"), 403)
    assert "CSRF" in errors["detail"][0] and "Failed" not in errors["detail"][0]
    page = client.post(f"/titles/plans/{published.pk}/publish/")
    assert page.status_code == 403 and "页面已过期" in page.content.decode()


def test_error_pages_are_chinese_and_keep_the_site_frame(client, bureau_user):
    client.force_login(bureau_user)
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and "页面不存在" in page.content.decode()
    assert "职称申报评审平台" in page.content.decode() and "退出登录" in page.content.decode()


def test_a_server_error_page_is_chinese_and_survives_a_broken_frame(rf, settings):
    from django.urls import get_resolver

    server_error = get_resolver().resolve_error_handler(500)
    response = server_error(rf.get("/titles/plans/"))
    assert response.status_code == 500 and "系统繁忙" in response.content.decode()
    assert "职称申报评审平台" in response.content.decode()
    api = server_error(rf.get("/api/v1/plans/"))
    assert api.status_code == 500 and "稍后重试" in json.loads(api.content)["errors"]["detail"][0]
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]  # no templates, as when the page itself fails
    response = server_error(rf.get("/titles/plans/"))
    assert response.status_code == 500 and "系统繁忙" in response.content.decode()
    response = get_resolver().resolve_error_handler(404)(rf.get("/nothing/"), exception=None)
    assert response.status_code == 404 and "不存在" in response.content.decode()


def test_expected_refusals_are_one_line_in_the_log(api, org_tree):
    draft = review_plan(org_tree["other_bureau"])
    console = next(h for h in logging.getLogger().handlers
                   if any(type(f).__name__ == "OneLineRefusals" for f in h.filters))
    records = []
    keep = logging.Handler()
    keep.emit = lambda record: records.append(copy.copy(record))  # as logged, before the root's handlers
    logging.getLogger("django.request").addHandler(keep)
    try:
        assert api.get(f"/titles/plans/{draft.pk}/").status_code == 403
        assert api.get(f"/api/v1/plans/{draft.pk}/").status_code == 403
    finally:
        logging.getLogger("django.request").removeHandler(keep)
    assert len(records) == 2 and any(r.exc_info for r in records)  # Django attaches the traceback
    for record in records:
        assert console.filter(record)
        assert "\n" not in console.format(record) and "Forbidden" in console.format(record)
