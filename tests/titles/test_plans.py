"""Annual review plans: published only when every calendar rule holds; amended only on the record."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Event, Role
from tests.factories import VALID_2026_PHASES, review_plan, user_with_role
from titles.models import PlanAmendment, ReviewPlan
from titles.services import PlanError, amend_plan, publish_plan, store_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def bureau_user(org_tree):
    return user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])


def _phases(**changes):
    return {**VALID_2026_PHASES, **changes}


def test_a_valid_plan_is_published_with_event_and_history(org_tree, bureau_user):
    plan = review_plan(org_tree["bureau"])
    publish_plan(actor=bureau_user, plan_id=plan.pk)
    plan.refresh_from_db()
    assert plan.status == ReviewPlan.Status.PUBLISHED and plan.published_at
    event = Event.objects.get(action="publish_plan")
    assert (event.actor, event.from_state, event.to_state) == (bureau_user, "draft", "published")
    assert plan.history.first().history_change_reason == "发布"


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"phases": _phases(review_meetings=("2026-11-10", "2026-12-01"))}, "MEETINGS_END"),
        ({"phases": _phases(filing=("2026-12-01", "2027-01-10"))}, "NO_CROSS_YEAR"),
        ({"issued_on": "2026-07-02"}, "NOTICE_PERIOD"),
        ({"phases": _phases(results_publicity=("2026-11-23", "2026-11-26"))}, "PUBLICITY_LENGTH"),
        ({"phases": _phases(initial=("2026-09-01", "2026-12-01"))}, "INITIAL_END"),
        ({"phases": {k: v for k, v in VALID_2026_PHASES.items() if k != "review_meetings"}}, "PHASE_REQUIRED"),
        ({"phases": _phases(review_meetings=("2026-10-12", "2026-10-20"),
                            policy_review=("2026-10-29", "2026-11-05"))}, "PHASE_ORDER"),
    ],
)
def test_a_plan_breaking_a_calendar_rule_cannot_be_published_and_the_error_names_it(org_tree, bureau_user,
                                                                                    changes, rule):
    plan = review_plan(org_tree["bureau"], **changes)
    with pytest.raises(PlanError) as info:
        publish_plan(actor=bureau_user, plan_id=plan.pk)
    assert rule in {p.rule for p in info.value.problems}
    assert rule in str(info.value) and "依据" in str(info.value)
    plan.refresh_from_db()
    assert plan.status == ReviewPlan.Status.DRAFT
    assert not Event.objects.filter(action="publish_plan").exists()


def test_meetings_before_the_policy_review_refuse_publication_with_phase_order(org_tree, bureau_user):
    plan = review_plan(org_tree["bureau"], phases=_phases(review_meetings=("2026-10-12", "2026-10-20")))
    with pytest.raises(PlanError) as info:
        publish_plan(actor=bureau_user, plan_id=plan.pk)
    [problem] = info.value.problems
    assert (problem.rule, problem.phase) == ("PHASE_ORDER", "review_meetings")
    assert "评审会议须在人社部门政策性审查结束后开始" in problem.message
    assert "个人申报 → " in problem.message
    plan.refresh_from_db()
    assert plan.status == ReviewPlan.Status.DRAFT


def test_publicity_in_a_year_without_a_schedule_cannot_be_verified_until_the_schedule_is_entered(org_tree,
                                                                                              bureau_user):
    phases = {k: (s.replace("2026", "2027"), e.replace("2026", "2027")) for k, (s, e) in VALID_2026_PHASES.items()}
    phases["results_publicity"] = ("2027-11-22", "2027-11-26")  # Monday to Friday
    plan = review_plan(org_tree["bureau"], year=2027, issued_on="2027-07-01", phases=phases)
    with pytest.raises(PlanError) as info:
        publish_plan(actor=bureau_user, plan_id=plan.pk)
    assert [p.rule for p in info.value.problems] == ["PUBLICITY_LENGTH"]
    assert "2027" in info.value.problems[0].message
    with pytest.raises(PermissionDenied):  # national data: the system admin enters it
        store_schedule(actor=bureau_user, year=2027, holidays=["2027-01-01"], workdays=[])
    sysadmin = user_with_role(Role.SYSTEM_ADMIN, org_tree["bureau"])
    store_schedule(actor=sysadmin, year=2027, holidays=["2027-01-01"], workdays=[])
    publish_plan(actor=bureau_user, plan_id=plan.pk)


def test_only_the_issuing_bureau_publishes(org_tree):
    plan = review_plan(org_tree["bureau"])
    for outsider in (user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"]),
                     user_with_role(Role.DEPT_REVIEWER, org_tree["dept"]),
                     user_with_role(Role.APPLICANT, org_tree["employer_a"])):
        with pytest.raises(PermissionDenied):
            publish_plan(actor=outsider, plan_id=plan.pk)


def test_a_published_plan_is_not_published_again(org_tree, bureau_user):
    plan = review_plan(org_tree["bureau"])
    publish_plan(actor=bureau_user, plan_id=plan.pk)
    with pytest.raises(PlanError, match="修订"):
        publish_plan(actor=bureau_user, plan_id=plan.pk)


def test_amendment_is_recorded_with_before_after_and_reason(org_tree, bureau_user):
    plan = review_plan(org_tree["bureau"])
    publish_plan(actor=bureau_user, plan_id=plan.pk)
    amendment = amend_plan(actor=bureau_user, plan_id=plan.pk, reason="评审会场调整",
                           phases={"review_meetings": (date(2026, 11, 12), date(2026, 11, 19))})
    assert amendment.number == 1 and amendment.actor == bureau_user
    assert amendment.before["phases"]["review_meetings"] == ["2026-11-10", "2026-11-20"]
    assert amendment.after["phases"]["review_meetings"] == ["2026-11-12", "2026-11-19"]
    assert plan.phases.get(kind="review_meetings").start == date(2026, 11, 12)
    assert Event.objects.get(action="amend_plan").comment == "第 1 次修订：评审会场调整"


@pytest.mark.parametrize(
    ("reason", "phases", "message"),
    [
        ("", {"review_meetings": (date(2026, 11, 12), date(2026, 11, 19))}, "理由"),
        ("推迟", {"review_meetings": (date(2026, 11, 12), date(2026, 12, 2))}, "MEETINGS_END"),
        ("无变化", {"review_meetings": (date(2026, 11, 10), date(2026, 11, 20))}, "相同"),
    ],
)
def test_bad_amendments_change_nothing(org_tree, bureau_user, reason, phases, message):
    plan = review_plan(org_tree["bureau"])
    publish_plan(actor=bureau_user, plan_id=plan.pk)
    with pytest.raises(PlanError, match=message):
        amend_plan(actor=bureau_user, plan_id=plan.pk, reason=reason, phases=phases)
    assert plan.phases.get(kind="review_meetings").end == date(2026, 11, 20)
    assert not PlanAmendment.objects.exists()


def test_a_draft_is_edited_not_amended(org_tree, bureau_user):
    plan = review_plan(org_tree["bureau"])
    with pytest.raises(PlanError, match="草稿"):
        amend_plan(actor=bureau_user, plan_id=plan.pk, reason="x", phases={})


# --- the API ---------------------------------------------------------------------------------------

def test_api_publish_refusal_lists_every_rule(client, org_tree, bureau_user):
    plan = review_plan(org_tree["bureau"], issued_on="2026-07-15",
                       phases=_phases(review_meetings=("2026-11-10", "2026-12-03")))
    client.force_login(bureau_user)
    response = client.post(f"/api/v1/plans/{plan.pk}/publish/")
    assert response.status_code == 400
    body = response.json()
    assert {"NOTICE_PERIOD", "MEETINGS_END"} <= {p["rule"] for p in body["problems"]}
    assert all(p["source"] and p["message"] for p in body["problems"])
    assert body["errors"]["plan"]
    problems = client.get(f"/api/v1/plans/{plan.pk}/problems/").json()["problems"]
    assert {p["rule"] for p in problems} == {p["rule"] for p in body["problems"]}


def test_api_publish_and_amend(client, org_tree, bureau_user):
    plan = review_plan(org_tree["bureau"])
    client.force_login(bureau_user)
    assert client.post(f"/api/v1/plans/{plan.pk}/publish/").json()["status"] == "published"
    response = client.post(f"/api/v1/plans/{plan.pk}/amend/", content_type="application/json",
                           data={"reason": "延长申报", "phases": {"declaration": {"start": "2026-08-01",
                                                                                 "end": "2026-10-05"}}})
    assert response.status_code == 201, response.content
    assert response.json()["after"]["phases"]["declaration"] == ["2026-08-01", "2026-10-05"]
    bad = client.post(f"/api/v1/plans/{plan.pk}/amend/", content_type="application/json",
                      data={"reason": "x", "phases": {"nonsense": {"start": "2026-08-01", "end": "2026-08-02"}}})
    assert bad.status_code == 400 and "phases" in bad.json()["errors"]
    bad = client.post(f"/api/v1/plans/{plan.pk}/amend/", content_type="application/json",
                      data={"phases": {"declaration": {"start": "2026-13-01", "end": "2026-08-02"}}})
    assert bad.status_code == 400 and {"reason", "phases"} <= set(bad.json()["errors"])


def test_api_visibility(client, org_tree, bureau_user):
    draft = review_plan(org_tree["bureau"])
    published = review_plan(org_tree["bureau"])
    publish_plan(actor=bureau_user, plan_id=published.pk)
    client.force_login(user_with_role(Role.APPLICANT, org_tree["employer_a"]))
    assert [p["id"] for p in client.get("/api/v1/plans/").json()["results"]] == [published.pk]
    assert client.get(f"/api/v1/plans/{draft.pk}/").status_code == 403
    assert client.get(f"/api/v1/plans/{published.pk}/").status_code == 200
    assert client.post(f"/api/v1/plans/{draft.pk}/publish/").status_code == 403
    client.force_login(user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"]))
    assert client.post(f"/api/v1/plans/{published.pk}/amend/", content_type="application/json",
                       data={"reason": "x"}).status_code == 403
    client.force_login(bureau_user)
    assert {p["id"] for p in client.get("/api/v1/plans/").json()["results"]} == {draft.pk, published.pk}


def test_api_plan_list_query_count_is_constant(client, org_tree, bureau_user, django_assert_max_num_queries):
    client.force_login(bureau_user)
    review_plan(org_tree["bureau"])
    with django_assert_max_num_queries(12) as few:  # incl. the second-factor device and the idle-timeout stamp
        client.get("/api/v1/plans/")
    for _ in range(5):
        review_plan(org_tree["bureau"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/plans/").json()["results"]) == 6


# --- the admin console -----------------------------------------------------------------------------

def test_admin_publish_action_reports_the_rules(admin_client, org_tree):
    good = review_plan(org_tree["bureau"])
    bad = review_plan(org_tree["bureau"], phases=_phases(review_meetings=("2026-11-10", "2026-12-02")))
    response = admin_client.post("/admin/titles/reviewplan/", {"action": "publish_selected",
                                                               "_selected_action": [good.pk, bad.pk]}, follow=True)
    text = response.content.decode()
    assert "已发布" in text and "MEETINGS_END" in text
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, bad.status) == ("published", "draft")
    page = admin_client.get(f"/admin/titles/reviewplan/{good.pk}/change/").content.decode()
    assert 'name="issued_on"' not in page  # read-only once published


def test_admin_amendment_goes_through_the_service(admin_client, org_tree, admin_user):
    plan = review_plan(org_tree["bureau"])
    publish_plan(actor=admin_user, plan_id=plan.pk)
    response = admin_client.post("/admin/titles/planamendment/add/", {
        "plan": plan.pk, "kind": "filing", "start": "2026-12-02", "end": "2026-12-25", "reason": "节假日顺延"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    amendment = PlanAmendment.objects.get()
    assert amendment.after["phases"]["filing"] == ["2026-12-02", "2026-12-25"]
    bad = admin_client.post("/admin/titles/planamendment/add/", {
        "plan": plan.pk, "kind": "filing", "start": "2026-12-02", "end": "2027-01-05", "reason": "x"})
    assert bad.status_code == 200 and "NO_CROSS_YEAR" in bad.content.decode()
    assert PlanAmendment.objects.count() == 1
