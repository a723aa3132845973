"""A plan is published only for a committee whose filing (核准备案) is in force and covers it."""

from datetime import date

import pytest

from accounts.models import Event, Role
from committees.filing import CommitteeFiling, PlanScope, filing_problems
from tests.factories import committee, review_plan, user_with_role
from titles.models import ReviewPlan, Series, Specialty
from titles.services import PlanError, publish_plan

FILING = CommitteeFiling(name="工程系列中级评审委员会", number="晋职改备〔2024〕12号", valid_from=date(2024, 9, 1),
                         valid_until=date(2027, 12, 31), series="工程", specialties=frozenset(),
                         levels=frozenset({"intermediate"}))
SCOPE = PlanScope(series="工程", specialties=frozenset({"土木工程"}), levels=frozenset({"intermediate"}),
                  meetings=(date(2026, 11, 10), date(2026, 11, 20)))
TODAY = date(2026, 7, 1)


def messages(filing=FILING, scope=SCOPE, today=TODAY):
    problems = filing_problems(filing, scope, today=today)
    assert {p.rule for p in problems} <= {"COMMITTEE_FILING"}
    return [p.message for p in problems]


def test_a_filing_in_force_for_the_series_and_level_covers_the_plan():
    assert messages() == []


@pytest.mark.parametrize("changes, text", [
    ({"number": ""}, "尚未核准备案（缺少核准备案文号）"),
    ({"valid_until": None}, "尚未核准备案（缺少有效期截止日期）"),
    ({"active": False}, "已停用"),
    ({"valid_until": date(2026, 11, 15)}, "评审会议结束日期 2026-11-20已过期"),
    ({"valid_until": date(2026, 6, 30)}, "今日 2026-07-01、评审会议开始日期 2026-11-10、评审会议结束日期 2026-11-20已过期"),
    ({"valid_from": date(2026, 8, 1)}, "今日 2026-07-01尚未生效"),
    ({"series": "卫生"}, "备案的评审系列为卫生，不含方案的工程系列"),
    ({"levels": frozenset({"associate_senior", "senior"})}, "备案的评审层级为副高级、正高级，不含中级"),
    ({"specialties": frozenset({"快递"})}, "备案的评审专业不含土木工程"),
])
def test_each_gap_in_the_filing_is_named(changes, text):
    [message] = messages(filing=FILING.__class__(**{**FILING.__dict__, **changes}))
    assert text in message
    assert message.startswith("评审委员会“工程系列中级评审委员会”")
    assert "须经核准备案" in message


def test_a_filing_for_some_specialties_does_not_cover_the_whole_series():
    filing = FILING.__class__(**{**FILING.__dict__, "specialties": frozenset({"快递"})})
    scope = PlanScope(series="工程", specialties=frozenset(), levels=frozenset({"intermediate"}), meetings=None)
    [message] = messages(filing=filing, scope=scope)
    assert "只备案了快递专业，方案面向工程系列全部专业" in message


# --- through the service -------------------------------------------------------------------------


@pytest.fixture
def bureau_user(org_tree):
    return user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])


def _refused(plan, bureau_user) -> list:
    with pytest.raises(PlanError) as info:
        publish_plan(actor=bureau_user, plan_id=plan.pk)
    plan.refresh_from_db()
    assert plan.status == ReviewPlan.Status.DRAFT
    assert not Event.objects.filter(action="publish_plan").exists()
    assert "COMMITTEE_FILING" in str(info.value)
    return [p for p in info.value.problems if p.rule == "COMMITTEE_FILING"]


@pytest.mark.django_db
def test_an_expired_filing_blocks_publishing(org_tree, bureau_user):
    board = committee(org_tree["bureau"], filed_from=date(2021, 1, 1), filed_until=date(2023, 12, 31))
    plan = review_plan(org_tree["bureau"], committee=board)
    [problem] = _refused(plan, bureau_user)
    assert "2021-01-01 至 2023-12-31" in problem.message and "已过期" in problem.message


@pytest.mark.django_db
def test_a_filing_ending_before_the_meetings_blocks_publishing(org_tree, bureau_user):
    board = committee(org_tree["bureau"], filed_until=date(2026, 11, 15))
    plan = review_plan(org_tree["bureau"], committee=board)
    [problem] = _refused(plan, bureau_user)
    assert "评审会议结束日期 2026-11-20已过期" in problem.message


@pytest.mark.django_db
def test_a_committee_of_another_series_blocks_publishing(org_tree, bureau_user):
    board = committee(org_tree["bureau"], name="卫生系列中级评审委员会", series_name="卫生")
    plan = review_plan(org_tree["bureau"], committee=board, series=Series.objects.get_or_create(name="工程")[0])
    [problem] = _refused(plan, bureau_user)
    assert "备案的评审系列为卫生，不含方案的工程系列" in problem.message


@pytest.mark.django_db
def test_an_unfiled_committee_blocks_publishing(org_tree, bureau_user):
    board = committee(org_tree["bureau"], filing_number="", filed_from=None, filed_until=None)
    [problem] = _refused(review_plan(org_tree["bureau"], committee=board), bureau_user)
    assert "尚未核准备案" in problem.message


@pytest.mark.django_db
def test_levels_and_specialties_outside_the_filing_block_publishing(org_tree, bureau_user):
    board = committee(org_tree["bureau"])
    series = board.series
    express, civil = (Specialty.objects.get_or_create(series=series, name=n)[0] for n in ("快递", "土木工程"))
    board.specialties.set([express])
    plan = review_plan(org_tree["bureau"], committee=board, levels=["intermediate", "associate_senior"])
    plan.specialties.set([civil])
    texts = " ".join(p.message for p in _refused(plan, bureau_user))
    assert "备案的评审专业不含土木工程" in texts and "不含副高级" in texts


@pytest.mark.django_db
def test_the_api_names_the_rule(client, org_tree, bureau_user):
    board = committee(org_tree["bureau"], filed_until=date(2023, 12, 31))
    plan = review_plan(org_tree["bureau"], committee=board)
    client.force_login(bureau_user)
    response = client.post(f"/api/v1/plans/{plan.pk}/publish/")
    assert response.status_code == 400
    assert [p["rule"] for p in response.json()["problems"]] == ["COMMITTEE_FILING"]
