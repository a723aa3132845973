"""The auditor's read-only pages: the event log and the personal-data access records."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Event, PersonalDataAccess, Role
from accounts.services import record_event, reveal_personal_data
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(org_tree):
    auditor = user_with_role(Role.AUDITOR, org_tree["bureau"])
    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"], real_name="陈静")
    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"], real_name="李娜")
    outsider = user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"], real_name="外市审核人")
    record_event(actor=reviewer, action="publish_plan", obj=org_tree["bureau"], from_state="draft",
                 to_state="published")
    record_event(actor=handler, action="grant_role", obj=org_tree["employer_a"],
                 comment=f"为 {handler.id_number} 授予角色，电话 {handler.phone}")
    record_event(actor=outsider, action="publish_plan", obj=org_tree["other_bureau"], comment="外市发布")
    return {"auditor": auditor, "reviewer": reviewer, "handler": handler, "outsider": outsider, **org_tree}


def _rows(response):
    return response.context["page"].object_list


def test_the_auditor_workspace_links_to_the_audit_pages_not_the_admin(client, audit):
    client.force_login(audit["auditor"])
    html = client.get("/workspace/auditor/").content.decode()
    assert "/audit/events/" in html and "/audit/personal-data/" in html and "/admin/" not in html


def test_the_auditor_reads_the_events_of_their_region_with_numbers_masked(client, audit):
    client.force_login(audit["auditor"])
    response = client.get("/audit/events/")
    html = response.content.decode()
    assert response.status_code == 200
    assert {e.actor for e in _rows(response)} == {audit["reviewer"], audit["handler"]}  # not the other city's
    assert "发布评审方案" in html and "外市发布" not in html
    assert audit["handler"].id_number not in html and audit["handler"].phone not in html
    assert audit["handler"].id_number_masked in html


@pytest.mark.parametrize(("query", "actors"), [
    ({"actor": "李娜"}, {"handler"}),
    ({"action": "publish_plan"}, {"reviewer"}),
    ({"object": "甲单位"}, {"handler"}),
    ({"organisation": "employer_a"}, {"handler"}),
    ({"since": "2000-01-01", "until": "2000-12-31"}, set()),
])
def test_event_filters(client, audit, query, actors):
    query = {k: (audit[v].pk if k == "organisation" else v) for k, v in query.items()}
    client.force_login(audit["auditor"])
    response = client.get("/audit/events/", query)
    assert response.status_code == 200
    assert {e.actor for e in _rows(response)} == {audit[name] for name in actors}


def test_today_is_within_the_date_filter_and_bad_dates_name_the_field(client, audit):
    client.force_login(audit["auditor"])
    today = timezone.localdate()
    response = client.get("/audit/events/", {"since": today.isoformat(), "until": today.isoformat()})
    assert len(_rows(response)) == 2
    bad = client.get("/audit/events/", {"since": "2026-13-01"})
    assert bad.status_code == 400 and "起始日期" in bad.content.decode()
    assert client.get("/audit/events/", {"since": (today + timedelta(days=1)).isoformat()}).context[
        "page"].paginator.count == 0


def test_csv_export_is_filtered_and_masked(client, audit):
    client.force_login(audit["auditor"])
    response = client.get("/audit/events/", {"actor": "李娜", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["时间", "操作人", "操作"] and len(rows) == 2
    assert rows[1][2] == "授予角色" and "李娜" in rows[1][1]
    assert audit["handler"].id_number not in text and audit["handler"].phone not in text
    assert audit["handler"].id_number_masked in text


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(client, audit):
    record_event(actor=audit["handler"], action="grant_role", obj=audit["dept"], comment="=HYPERLINK(\"x\")")
    client.force_login(audit["auditor"])
    text = b"".join(client.get("/audit/events/", {"format": "csv"}).streaming_content).decode("utf-8-sig")
    comments = [row[8] for row in csv.reader(io.StringIO(text)) if "HYPERLINK" in row[8]]
    assert comments == ["'=HYPERLINK(\"x\")"]


def test_personal_data_access_records_are_listed_filtered_and_exported(client, audit):
    sysadmin = user_with_role(Role.SYSTEM_ADMIN, audit["bureau"], real_name="周杰")
    reveal_personal_data(actor=sysadmin, person_id=audit["handler"].pk, reason="核对申报材料")
    client.force_login(audit["auditor"])
    response = client.get("/audit/personal-data/", {"person": "李娜"})
    html = response.content.decode()
    assert response.status_code == 200 and "核对申报材料" in html and "周杰" in html
    assert audit["handler"].id_number not in html
    assert client.get("/audit/personal-data/", {"viewer": "没有这个人"}).context["page"].paginator.count == 0
    text = b"".join(client.get("/audit/personal-data/", {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert "核对申报材料" in text and audit["handler"].id_number not in text


def test_only_auditors_and_the_system_admin_read_the_audit_pages(client, audit):
    for user in (audit["reviewer"], audit["handler"]):
        client.force_login(user)
        assert client.get("/audit/events/").status_code == 403
        assert client.get("/audit/personal-data/").status_code == 403
        assert client.get("/audit/events/", {"format": "csv"}).status_code == 403
    client.force_login(user_with_role(Role.SYSTEM_ADMIN, audit["bureau"]))
    assert len(_rows(client.get("/audit/events/"))) == 3  # every city


def test_the_audit_pages_are_read_only(client, audit):
    client.force_login(audit["auditor"])
    before = Event.objects.count()
    assert client.post("/audit/events/", {"action": "x"}).status_code in (403, 405)
    assert Event.objects.count() == before and not PersonalDataAccess.objects.exists()


def test_query_count_does_not_grow_with_the_log(client, audit, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(audit["auditor"])
    with CaptureQueriesContext(connection) as few:
        assert client.get("/audit/events/").status_code == 200
    for n in range(60):
        record_event(actor=audit["handler" if n % 2 else "reviewer"], action="admin_change", obj=audit["dept"])
        reveal_personal_data(actor=audit["auditor"], person_id=audit["handler"].pk, reason=f"抽查第 {n} 次")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/audit/events/", {"page": 2})
    assert response.context["page"].number == 2
    with CaptureQueriesContext(connection) as some:
        client.get("/audit/personal-data/")
    reveal_personal_data(actor=audit["auditor"], person_id=audit["reviewer"].pk, reason="再抽查一次")
    with django_assert_max_num_queries(len(some.captured_queries)):
        client.get("/audit/personal-data/")


def test_every_apps_actions_are_named_in_chinese(client, audit):
    for action in ("submit", "verify_material", "activate_rulebook"):
        record_event(actor=audit["reviewer"], action=action, obj=audit["dept"])
    client.force_login(audit["auditor"])
    html = client.get("/audit/events/").content.decode()
    for label in ("提交申报", "核验材料", "规则库版本生效"):
        assert label in html, label


def test_states_are_named_in_chinese_by_their_objects_model_on_the_page_and_in_the_export(client, audit, plan):
    """An event's states are its object's codes (a declaration's employer_review, a plan's published): the page and
    the CSV name them as the object's model does; a state of an object without states stays as it was written."""
    from declarations.models import Declaration

    applicant = user_with_role(Role.APPLICANT, audit["employer_a"], real_name="王申报")
    declaration = Declaration.objects.create(applicant=applicant, employer=audit["employer_a"], plan=plan, year=2026,
                                             series=plan.series, level="intermediate")
    record_event(actor=applicant, action="submit", obj=declaration, from_state="draft", to_state="employer_review")
    record_event(actor=audit["reviewer"], action="publish_plan", obj=plan, from_state="draft", to_state="published")
    client.force_login(audit["auditor"])
    html = client.get("/audit/events/").content.decode()
    assert "草稿 → 单位审核" in html and "employer_review" not in html
    assert f"{plan.Status.DRAFT.label} → {plan.Status.PUBLISHED.label}" in html
    assert "draft → published" in html  # the organisation's event of the fixture: no states of its own
    text = b"".join(client.get("/audit/events/", {"format": "csv"}).streaming_content).decode("utf-8-sig")
    submitted = next(row for row in csv.reader(io.StringIO(text)) if row[2] == "提交申报")
    assert submitted[6:8] == ["草稿", "单位审核"]
