"""Calendar rules of the annual review plan (titles.plan_rules). Pure: no Django, no database."""

import json
from dataclasses import replace
from datetime import date

import pytest

from titles.plan_rules import (
    DEFAULT_PLAN_RULES,
    PHASES,
    REQUIRED_PHASES,
    PhaseFacts,
    PlanFacts,
    PlanRules,
    months_before,
    validate_plan,
)
from titles.workdays import WorkingDayCalendar, parse_schedule

VALID_PHASES = {
    "declaration": ("2026-08-01", "2026-09-30"),
    "employer_review": ("2026-10-01", "2026-10-15"),
    "department_audit": ("2026-10-16", "2026-10-25"),
    "policy_review": ("2026-10-26", "2026-10-31"),
    "correction": ("2026-11-01", "2026-11-05"),
    "initial": ("2026-09-01", "2026-11-20"),
    "review_meetings": ("2026-11-10", "2026-11-20"),
    "results_publicity": ("2026-11-23", "2026-11-27"),
    "filing": ("2026-12-01", "2026-12-20"),
}


# The real working-day calendar (pure: chinesecalendar, no database). 2026-11 has no holiday, so the
# valid plan's 11-23..11-27 is five working days.
CALENDAR = WorkingDayCalendar()


def holidays_unknown(start: date, end: date) -> int:
    raise ValueError("2027 年的节假日安排尚未录入")


def d(text: str) -> date:
    return date.fromisoformat(text)


def make_plan(issued_on="2026-07-01", year=2026, drop=(), extra=(), **changes) -> PlanFacts:
    """The valid 2026 plan, with phases replaced (kind=(start, end)), dropped or appended."""
    spans = {**VALID_PHASES, **changes}
    phases = [PhaseFacts(kind, d(s), d(e)) for kind, (s, e) in spans.items() if kind not in drop]
    phases += [PhaseFacts(kind, d(s), d(e)) for kind, s, e in extra]
    return PlanFacts(year=year, issued_on=d(issued_on) if issued_on else None, phases=tuple(phases))


def check(plan: PlanFacts, rules: PlanRules = DEFAULT_PLAN_RULES, counter=CALENDAR.count):
    return validate_plan(plan, rules, counter)


def codes(problems) -> list[tuple[str, str | None]]:
    return [(p.rule, p.phase) for p in problems]


def only(plan: PlanFacts, rule: str, **kwargs):
    """The plan's problems, asserting they all carry ``rule``; returns them."""
    problems = check(plan, **kwargs)
    assert problems and {p.rule for p in problems} == {rule}, codes(problems)
    return problems


# --- phases and the valid plan ---------------------------------------------------------------------


@pytest.mark.parametrize("missing, label", [
    ("declaration", "个人申报"), ("review_meetings", "评审会议"), ("results_publicity", "评审结果公示"),
])
def test_the_three_required_phases_are_named_in_chinese_when_missing(missing, label):
    [problem] = only(make_plan(drop=[missing]), "PHASE_REQUIRED")
    assert problem.message.startswith(f"缺少{label}阶段")


@pytest.mark.parametrize("optional", ["employer_review", "department_audit", "policy_review", "correction",
                                      "initial", "filing"])
def test_the_other_phases_may_be_left_out(optional):
    assert check(make_plan(drop=[optional])) == []


def test_a_bureau_holiday_inside_the_results_publicity_makes_it_too_short():
    # the same 11-23..11-27 publicity, with a (hypothetical) holiday on Wednesday 11-25 entered by the bureau
    calendar = WorkingDayCalendar({2026: parse_schedule(2026, ["2026-11-25"], [])})
    [problem] = only(make_plan(), "PUBLICITY_LENGTH", counter=calendar.count)
    assert problem.phase == "results_publicity" and "4" in problem.message


def test_valid_2026_plan_has_no_problems():
    assert check(make_plan()) == []


def test_required_phases_alone_are_enough():
    plan = make_plan(drop=[k for k, _ in PHASES if k not in REQUIRED_PHASES])
    assert check(plan) == []


# --- each rule failing on its own --------------------------------------------------------------------


def test_unknown_phase_kind():
    [problem] = only(make_plan(extra=[("appeal", "2026-11-01", "2026-11-02")]), "PHASE_KIND")
    assert problem.phase == "appeal"
    assert "未知的阶段类型“appeal”" in problem.message


def test_duplicate_phase_kind():
    [problem] = only(make_plan(extra=[("correction", "2026-11-06", "2026-11-08")]), "PHASE_DUPLICATE")
    assert problem.phase == "correction"
    assert "补正材料阶段出现 2 次" in problem.message


@pytest.mark.parametrize("missing", REQUIRED_PHASES)
def test_each_missing_required_phase(missing):
    [problem] = only(make_plan(drop=[missing]), "PHASE_REQUIRED")
    assert problem.phase == missing
    assert f"缺少{dict(PHASES)[missing]}阶段" in problem.message


def test_one_problem_per_missing_required_phase():
    problems = check(PlanFacts(year=2026, issued_on=d("2026-07-01"), phases=()))
    assert codes(problems) == [("PHASE_REQUIRED", k) for k in REQUIRED_PHASES]


def test_phase_starting_after_it_ends():
    [problem] = only(make_plan(correction=("2026-11-05", "2026-11-01")), "PHASE_DATES")
    assert problem.message.startswith("补正材料开始日期 2026-11-05 晚于结束日期 2026-11-01")


def test_one_day_phase_is_in_order():
    assert check(make_plan(correction=("2026-11-05", "2026-11-05"))) == []


def test_phase_ending_next_year_crosses_the_year():
    [problem] = only(make_plan(correction=("2026-11-01", "2027-01-05")), "NO_CROSS_YEAR")
    assert problem.phase == "correction"
    assert "补正材料结束日期 2027-01-05 不在 2026 年度内" in problem.message
    assert "不得跨年度" in problem.message
    assert problem.source == "001 四(六)"


def test_phase_starting_previous_year_crosses_the_year():
    plan = make_plan(issued_on="2025-10-01", declaration=("2025-12-01", "2026-09-30"))
    [problem] = only(plan, "NO_CROSS_YEAR")
    assert "个人申报开始日期 2025-12-01 不在 2026 年度内" in problem.message


def test_plan_issued_too_late():
    [problem] = only(make_plan(issued_on="2026-07-02"), "NOTICE_PERIOD")
    assert problem.phase is None
    assert "印发日期 2026-07-02 晚于 2026-07-01" in problem.message
    assert problem.source == "000 三1"


def test_plan_without_issue_date():
    [problem] = only(make_plan(issued_on=None), "NOTICE_PERIOD")
    assert "尚未填写印发日期" in problem.message


def test_meetings_ending_late():
    plan = make_plan(review_meetings=("2026-11-10", "2026-12-05"), results_publicity=("2026-12-07", "2026-12-11"),
                     filing=("2026-12-14", "2026-12-20"))
    [problem] = only(plan, "MEETINGS_END")
    assert problem.phase == "review_meetings"
    assert problem.message == "评审会议结束日期 2026-12-05 晚于 2026-11-30：评审会议须于 11 月 30 日前结束"


def test_filing_after_results_deadline():
    rules = PlanRules.from_dict({"results_end": [12, 15]})
    [problem] = only(make_plan(), "RESULTS_END", rules=rules)
    assert problem.phase == "filing"
    assert "审核备案结束日期 2026-12-20 晚于 2026-12-15" in problem.message


def test_publicity_after_results_deadline():
    rules = PlanRules.from_dict({"results_end": [11, 25]})
    problems = only(make_plan(), "RESULTS_END", rules=rules)
    assert [p.phase for p in problems] == ["results_publicity", "filing"]


def test_initial_closing_late():
    [problem] = only(make_plan(initial=("2026-09-01", "2026-12-05")), "INITIAL_END")
    assert "初定申报结束日期 2026-12-05 晚于 2026-11-30" in problem.message
    assert problem.source == "001 三(五)"


def test_initial_closing_on_the_limit_passes():
    assert check(make_plan(initial=("2026-09-01", "2026-11-30"))) == []


def test_publicity_too_short():
    [problem] = only(make_plan(results_publicity=("2026-11-23", "2026-11-26")), "PUBLICITY_LENGTH")
    assert "仅 4 个工作日" in problem.message and "不少于 5 个工作日" in problem.message
    assert problem.source == "004 四(五)"


@pytest.mark.parametrize("changes, phase", [
    ({"review_meetings": ("2026-10-31", "2026-11-20")}, "review_meetings"),  # starts the day policy review ends
    ({"results_publicity": ("2026-11-20", "2026-11-27")}, "results_publicity"),  # starts the day meetings end
    ({"employer_review": ("2026-09-20", "2026-10-15")}, "employer_review"),  # during the declaration
    ({"department_audit": ("2026-10-10", "2026-10-25")}, "department_audit"),  # before the employers are done
])
def test_phases_out_of_the_procedure_order(changes, phase):
    [problem] = only(make_plan(**changes), "PHASE_ORDER")
    assert problem.phase == phase
    assert problem.source == "004 四"
    assert "个人申报 → 单位核验、评议与推荐（含推荐公示） → 主管部门审核 → 人社部门政策性审查 → 评审会议 → 评审结果公示" in problem.message


def test_meetings_before_the_policy_review_break_the_phase_order():
    plan = make_plan(review_meetings=("2026-10-12", "2026-10-20"), policy_review=("2026-10-26", "2026-11-05"),
                     correction=("2026-11-06", "2026-11-08"))
    [problem] = only(plan, "PHASE_ORDER")
    assert problem.phase == "review_meetings"
    assert problem.message.startswith(
        "评审会议开始日期 2026-10-12 不晚于人社部门政策性审查结束日期 2026-11-05：评审会议须在人社部门政策性审查结束后开始")


def test_the_order_skips_phases_the_plan_does_not_hold():
    plan = make_plan(drop=["employer_review", "department_audit", "policy_review"],
                     review_meetings=("2026-09-30", "2026-11-20"))
    [problem] = check(plan)
    assert (problem.rule, problem.phase) == ("PHASE_ORDER", "review_meetings")
    assert "不晚于个人申报结束日期 2026-09-30" in problem.message


def test_filing_before_publicity_ends_is_out_of_sequence():
    [filing] = only(make_plan(filing=("2026-11-26", "2026-12-20")), "SEQUENCE")
    assert filing.phase == "filing"
    assert filing.message == (
        "审核备案开始日期 2026-11-26 早于评审结果公示结束日期 2026-11-27：审核备案不得在评审结果公示结束前开始"
    )


def test_filing_may_start_the_day_publicity_ends():
    assert check(make_plan(filing=("2026-11-27", "2026-12-20"))) == []


def test_sequence_skipped_when_a_phase_is_missing():
    problems = check(make_plan(drop=["results_publicity"], filing=("2026-11-21", "2026-12-20")))
    assert codes(problems) == [("PHASE_REQUIRED", "results_publicity")]


# --- boundaries ----------------------------------------------------------------------------------------


def test_meetings_ending_exactly_on_the_limit_passes():
    plan = make_plan(review_meetings=("2026-11-10", "2026-11-30"), results_publicity=("2026-12-01", "2026-12-07"),
                     filing=("2026-12-08", "2026-12-20"))
    assert check(plan) == []


def test_meetings_ending_one_day_late_fails():
    plan = make_plan(review_meetings=("2026-11-10", "2026-12-01"), results_publicity=("2026-12-02", "2026-12-08"),
                     filing=("2026-12-09", "2026-12-20"))
    assert codes(check(plan)) == [("MEETINGS_END", "review_meetings")]


@pytest.mark.parametrize("issued_on, ok", [("2026-06-15", True), ("2026-07-01", True), ("2026-07-02", False)])
def test_notice_of_exactly_one_month(issued_on, ok):
    assert (check(make_plan(issued_on=issued_on)) == []) is ok


@pytest.mark.parametrize("year, issued_on, ok", [
    (2026, "2026-02-28", True),
    (2026, "2026-03-01", False),
    (2024, "2024-02-29", True),
    (2024, "2024-03-01", False),
])
def test_notice_month_end_clamping(year, issued_on, ok):
    plan = PlanFacts(year=year, issued_on=d(issued_on), phases=(PhaseFacts("declaration", date(year, 3, 31),
                                                                           date(year, 9, 30)),))
    notice = [p for p in check(plan) if p.rule == "NOTICE_PERIOD"]
    assert (notice == []) is ok


def test_notice_counts_from_the_earliest_phase_whatever_its_kind():
    plan = make_plan(issued_on="2026-07-01", initial=("2026-07-20", "2026-11-20"))
    [problem] = only(plan, "NOTICE_PERIOD")
    assert "晚于 2026-06-20" in problem.message and "初定申报于 2026-07-20 开始" in problem.message


@pytest.mark.parametrize("day, months, expected", [
    ("2026-03-31", 1, "2026-02-28"),
    ("2024-03-31", 1, "2024-02-29"),
    ("2026-01-15", 1, "2025-12-15"),
    ("2026-05-31", 1, "2026-04-30"),
    ("2026-04-30", 2, "2026-02-28"),
    ("2026-08-01", 0, "2026-08-01"),
])
def test_months_before(day, months, expected):
    assert months_before(d(day), months) == d(expected)


@pytest.mark.parametrize("span, ok", [
    (("2026-11-23", "2026-11-27"), True),  # Monday..Friday: exactly 5
    (("2026-11-23", "2026-11-29"), True),  # with the weekend: still 5
    (("2026-11-24", "2026-11-29"), False),  # Tuesday..Sunday: 4
    (("2026-11-23", "2026-11-26"), False),  # Monday..Thursday: 4
])
def test_publicity_of_five_working_days(span, ok):
    problems = check(make_plan(results_publicity=span, filing=("2026-12-01", "2026-12-20")))
    assert (problems == []) is ok
    if not ok:
        assert codes(problems) == [("PUBLICITY_LENGTH", "results_publicity")]


def test_unknown_holiday_schedule_cannot_be_verified():
    [problem] = only(make_plan(), "PUBLICITY_LENGTH", counter=holidays_unknown)
    assert "2027 年的节假日安排尚未录入" in problem.message
    assert "无法核验" in problem.message
    assert problem.phase == "results_publicity"


def test_counter_not_called_for_an_inverted_publicity():
    plan = make_plan(results_publicity=("2026-11-27", "2026-11-23"), filing=("2026-12-01", "2026-12-20"))
    problems = check(plan, counter=holidays_unknown)
    assert codes(problems) == [("PHASE_DATES", "results_publicity")]


# --- several problems, order, sources ----------------------------------------------------------------


def test_several_problems_reported_together_in_rule_order():
    plan = make_plan(
        issued_on=None,
        drop=["declaration"],
        extra=[("appeal", "2026-11-01", "2026-11-02"), ("correction", "2026-11-06", "2026-11-08")],
        review_meetings=("2026-11-10", "2026-12-05"),
        results_publicity=("2026-11-23", "2026-11-26"),
        filing=("2026-12-01", "2027-01-10"),
        initial=("2026-09-01", "2026-12-01"),
    )
    assert codes(check(plan)) == [
        ("PHASE_KIND", "appeal"),
        ("PHASE_DUPLICATE", "correction"),
        ("PHASE_REQUIRED", "declaration"),
        ("NO_CROSS_YEAR", "filing"),
        ("NOTICE_PERIOD", None),
        ("MEETINGS_END", "review_meetings"),
        ("RESULTS_END", "filing"),
        ("INITIAL_END", "initial"),
        ("PUBLICITY_LENGTH", "results_publicity"),
        ("PHASE_ORDER", "results_publicity"),
    ]


def test_every_problem_names_a_source_and_a_chinese_message():
    plan = make_plan(issued_on=None, drop=["declaration"], extra=[("appeal", "2026-11-01", "2026-11-02")],
                     correction=("2026-11-05", "2026-11-01"), filing=("2026-11-26", "2027-01-10"))
    problems = check(plan)
    assert len(problems) >= 6
    for problem in problems:
        assert problem.source.split()[0] in {"000", "001", "004"}
        assert any("\u4e00" <= ch <= "\u9fff" for ch in problem.message)


# --- PlanRules ------------------------------------------------------------------------------------------


def test_default_rules_are_the_national_calendar():
    # seeds 000/001: meetings by 11-30, results and filing by 12-31, 初定 by 11-30, issued at least one
    # month before work starts, results 公示 of at least 5 working days
    boundaries = [
        (make_plan(review_meetings=("2026-11-10", "2026-11-30"), results_publicity=("2026-12-01", "2026-12-07"),
                   filing=("2026-12-08", "2026-12-20")), []),
        (make_plan(review_meetings=("2026-11-10", "2026-12-01"), results_publicity=("2026-12-02", "2026-12-08"),
                   filing=("2026-12-09", "2026-12-20")), ["MEETINGS_END"]),
        (make_plan(filing=("2026-12-01", "2026-12-31")), []),
        (make_plan(initial=("2026-09-01", "2026-12-01")), ["INITIAL_END"]),
        (make_plan(issued_on="2026-07-02"), ["NOTICE_PERIOD"]),
        (make_plan(results_publicity=("2026-11-23", "2026-11-26")), ["PUBLICITY_LENGTH"]),
    ]
    for plan, expected in boundaries:
        assert [p.rule for p in check(plan)] == expected
    assert DEFAULT_PLAN_RULES.name == "国家默认日历规则"


def test_to_dict_round_trips_through_json():
    data = json.loads(json.dumps(DEFAULT_PLAN_RULES.to_dict(), ensure_ascii=False))
    assert data["meetings_end"] == [11, 30]
    assert PlanRules.from_dict(data) == DEFAULT_PLAN_RULES


def test_overlay_changes_an_outcome():
    plan = make_plan(review_meetings=("2026-11-10", "2026-12-05"), results_publicity=("2026-12-07", "2026-12-10"),
                     filing=("2026-12-14", "2026-12-20"))
    assert {p.rule for p in check(plan)} == {"MEETINGS_END", "PUBLICITY_LENGTH"}
    local = PlanRules.from_dict({"meetings_end": [12, 10], "publicity_working_days": 4, "name": "某市日历规则"})
    assert check(plan, rules=local) == []
    assert local.min_notice_months == 1 and local.name == "某市日历规则"


def test_overlay_on_a_given_base():
    base = replace(DEFAULT_PLAN_RULES, min_notice_months=2, name="省级")
    rules = PlanRules.from_dict({"initial_end": (10, 31)}, base=base)
    assert (rules.min_notice_months, rules.initial_end, rules.name) == (2, (10, 31), "省级")
    [problem] = only(make_plan(issued_on="2026-07-01", drop=["initial"]), "NOTICE_PERIOD", rules=rules)
    assert "前 2 个月印发" in problem.message


def test_from_dict_rejects_unknown_key():
    with pytest.raises(ValueError, match="未知的规则配置项：meeting_end"):
        PlanRules.from_dict({"meeting_end": [11, 30]})


@pytest.mark.parametrize("data", [
    {"meetings_end": [2, 30]},
    {"results_end": [2, 29]},
    {"initial_end": [11]},
    {"initial_end": "11-30"},
    {"min_notice_months": -1},
    {"min_notice_months": "1"},
    {"min_notice_months": True},
    {"publicity_working_days": 0},
    {"name": ""},
])
def test_from_dict_rejects_bad_values(data):
    with pytest.raises(ValueError, match="规则配置"):
        PlanRules.from_dict(data)


def test_from_dict_rejects_a_non_mapping():
    with pytest.raises(ValueError, match="键值对象"):
        PlanRules.from_dict([("min_notice_months", 1)])
