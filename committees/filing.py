"""Does a committee's filing (核准备案) allow it to review a plan? Pure: standard library only.

Only a committee filed with the HR department may review (评审委员会核准备案后，方可开展评审工作), and only
within what it was filed for: its series, specialties and levels, while the filing is in force. One rule,
``COMMITTEE_FILING``; each problem says what is missing and what the filing would need.
"""

from dataclasses import dataclass
from datetime import date

from titles.eligibility.facts import LEVEL_NAMES
from titles.plan_rules import PlanProblem

RULE = "COMMITTEE_FILING"
SOURCE = "004 六(一)"  # 核准备案后，方可开展评审工作; what a filing holds: 001 二
LEVEL_ORDER = tuple(LEVEL_NAMES)


@dataclass(frozen=True)
class CommitteeFiling:
    name: str
    number: str
    valid_from: date | None
    valid_until: date | None
    series: str
    specialties: frozenset[str]  # empty: every specialty of the series
    levels: frozenset[str]
    active: bool = True


@dataclass(frozen=True)
class PlanScope:
    series: str
    specialties: frozenset[str]  # empty: the whole series
    levels: frozenset[str]
    meetings: tuple[date, date] | None  # the review meetings' first and last day, when planned


def _levels(values) -> str:
    known = [LEVEL_NAMES[v] for v in LEVEL_ORDER if v in values]
    return "、".join(known + sorted(v for v in values if v not in LEVEL_NAMES))


def filing_problems(filing: CommitteeFiling, plan: PlanScope, *, today: date) -> list[PlanProblem]:
    """Every reason the committee may not review the plan (empty: its filing covers it)."""
    who = f"评审委员会“{filing.name}”"
    need = "评审委员会须经核准备案、在备案有效期内并在备案的系列、专业和层级内开展评审"

    def problem(text: str) -> PlanProblem:
        return PlanProblem(RULE, f"{who}{text}：{need}", SOURCE)

    if not filing.active:
        return [problem("已停用")]
    if not filing.number or filing.valid_from is None or filing.valid_until is None:
        missing = "、".join(what for what, value in (("核准备案文号", filing.number), ("有效期起始日期", filing.valid_from),
                                                     ("有效期截止日期", filing.valid_until)) if not value)
        return [problem(f"尚未核准备案（缺少{missing}）")]
    problems = []
    span = f"备案（{filing.number}）有效期为 {filing.valid_from} 至 {filing.valid_until}"
    days = [("今日", today)]
    if plan.meetings:
        days += [("评审会议开始日期", plan.meetings[0]), ("评审会议结束日期", plan.meetings[1])]
    early = [f"{what} {day}" for what, day in days if day < filing.valid_from]
    late = [f"{what} {day}" for what, day in days if day > filing.valid_until]
    if early:
        problems.append(problem(f"的{span}，{'、'.join(early)}尚未生效"))
    if late:
        problems.append(problem(f"的{span}，{'、'.join(late)}已过期"))
    if plan.series != filing.series:
        problems.append(problem(f"备案的评审系列为{filing.series}，不含方案的{plan.series}系列"))
        return problems
    if filing.specialties:
        if not plan.specialties:
            problems.append(problem(f"只备案了{'、'.join(sorted(filing.specialties))}专业，方案面向{plan.series}系列全部专业"))
        elif plan.specialties - filing.specialties:
            problems.append(problem(f"备案的评审专业不含{'、'.join(sorted(plan.specialties - filing.specialties))}"))
    if plan.levels - filing.levels:
        problems.append(problem(f"备案的评审层级为{_levels(filing.levels) or '（无）'}，不含{_levels(plan.levels - filing.levels)}"))
    return problems
