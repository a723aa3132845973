"""Calendar rules for the annual review plan (年度评审工作方案), ../shared/DOMAIN.md "Calendar rules".

Pure: standard library only. ``validate_plan`` returns every problem of a plan (empty = publishable);
each ``PlanProblem`` names its rule code, the phase and the policy section it comes from. Every number
lives in ``PlanRules`` so a bureau can overlay its own calendar with ``PlanRules.from_dict``.
"""

import calendar
import itertools
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import date

PHASES = (
    ("declaration", "个人申报"),
    ("employer_review", "单位核验、评议与推荐（含推荐公示）"),
    ("department_audit", "主管部门审核"),
    ("policy_review", "人社部门政策性审查"),
    ("correction", "补正材料"),
    ("review_meetings", "评审会议"),
    ("results_publicity", "评审结果公示"),
    ("filing", "审核备案"),
    ("initial", "初定申报"),
)
PHASE_LABELS = dict(PHASES)
REQUIRED_PHASES = ("declaration", "review_meetings", "results_publicity")

SOURCE_PROCEDURE = "004 四"  # 申报程序: 个人申报 → 单位推荐 → 逐级审核 → 组织评审 → 公示监督
SOURCE_PLAN = "000 三1"  # 方案提前一个月下发；评审会议11月底前结束；12月底前完成审核、公示和公布
SOURCE_NO_CROSS_YEAR = "001 四(六)"  # 职称评审工作是年度工作……一般不得跨年度
SOURCE_INITIAL = "001 三(五)"  # 初定工作截止到当年11月30日
SOURCE_PUBLICITY = "004 四(五)"  # 评审结束后……公示期为5个工作日，公示期无异议的……


MONTH_DAY_KEYS = ("meetings_end", "results_end", "initial_end", "terminate_unfinished_on")


@dataclass(frozen=True)
class PlanRules:
    min_notice_months: int = 1
    meetings_end: tuple[int, int] = (11, 30)
    results_end: tuple[int, int] = (12, 31)
    initial_end: tuple[int, int] = (11, 30)
    publicity_working_days: int = 5
    # The review chain (004 四(二)(三)): the unit's recommendation 公示, the correction deadline's
    # longest span, and the 民主评议 pass share (votes for must exceed numerator/denominator of members).
    unit_publicity_working_days: int = 5
    correction_working_days: int = 10
    evaluation_pass_numerator: int = 1
    evaluation_pass_denominator: int = 2
    # Review committees and their meetings (《职称评审管理暂行规定》人社部令第40号): an odd number of
    # members; a senior (正高/副高) committee formed by series has at least 25 experts, one formed by
    # specialty at least 11; a meeting needs 2/3 of its members present, and a declaration passes
    # with approvals from 2/3 of the attending experts.
    committee_size_odd: bool = True
    senior_min_members_by_series: int = 25
    senior_min_members_by_specialty: int = 11
    quorum_numerator: int = 2
    quorum_denominator: int = 3
    ballot_pass_numerator: int = 2
    ballot_pass_denominator: int = 3
    # Credit records (诚信档案, 001 四(四)): a breach stays on record this many years, then expires.
    credit_record_years: int = 3
    # The deadline sweeps (reviews/deadlines): what is unfinished on this day of the year after the
    # plan's year is terminated (002 五(三)); reminders go out this many working days before a deadline.
    terminate_unfinished_on: tuple[int, int] = (7, 31)
    reminder_working_days: int = 3
    name: str = "国家默认日历规则"

    def __post_init__(self):
        _require_int("min_notice_months", self.min_notice_months, 0)
        for key in ("publicity_working_days", "unit_publicity_working_days", "correction_working_days",
                    "evaluation_pass_denominator", "senior_min_members_by_series", "senior_min_members_by_specialty",
                    "quorum_denominator", "ballot_pass_denominator", "credit_record_years",
                    "reminder_working_days"):
            _require_int(key, getattr(self, key), 1)
        for share in ("evaluation_pass", "quorum", "ballot_pass"):
            _require_int(f"{share}_numerator", getattr(self, f"{share}_numerator"), 0)
            if getattr(self, f"{share}_numerator") > getattr(self, f"{share}_denominator"):
                raise ValueError(f"规则配置 {share}_numerator 不能大于 {share}_denominator")
        if not isinstance(self.committee_size_odd, bool):
            raise ValueError(f"规则配置 committee_size_odd 应为 true 或 false，实际为 {self.committee_size_odd!r}")
        for key in MONTH_DAY_KEYS:
            _require_month_day(key, getattr(self, key))
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"规则配置 name 应为非空字符串，实际为 {self.name!r}")

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in MONTH_DAY_KEYS:
            data[key] = list(data[key])
        return data

    @classmethod
    def from_dict(cls, d: Mapping, base: "PlanRules | None" = None) -> "PlanRules":
        """Overlay ``d`` on ``base`` (default: DEFAULT_PLAN_RULES); ValueError in Chinese on bad input."""
        if not isinstance(d, Mapping):
            raise ValueError(f"规则配置应为键值对象，实际为 {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in d if k not in known)
        if unknown:
            raise ValueError(f"未知的规则配置项：{'、'.join(unknown)}；可用配置项：{'、'.join(sorted(known))}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}
        return replace(base or DEFAULT_PLAN_RULES, **values)


def _require_int(key: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"规则配置 {key} 应为不小于 {minimum} 的整数，实际为 {value!r}")


def _require_month_day(key: str, value) -> None:
    ok = isinstance(value, tuple) and len(value) == 2
    ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    if ok:
        try:
            date(2001, *value)  # a common year: 02-29 is not a valid yearly limit
        except ValueError:
            ok = False
    if not ok:
        raise ValueError(f"规则配置 {key} 应为有效的 [月, 日]，实际为 {value!r}")


DEFAULT_PLAN_RULES = PlanRules()


@dataclass(frozen=True)
class PhaseFacts:
    kind: str
    start: date
    end: date


@dataclass(frozen=True)
class PlanFacts:
    year: int
    issued_on: date | None
    phases: tuple[PhaseFacts, ...]


@dataclass(frozen=True)
class PlanProblem:
    rule: str
    message: str
    source: str
    phase: str | None = None


WorkingDayCounter = Callable[[date, date], int]


def label(kind: str) -> str:
    return PHASE_LABELS.get(kind, kind)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, clamped to the month's last day (03-31 minus 1 → 02-28/29)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    if year < date.min.year:  # before year 1 (a stored 0001-01-01): the earliest date there is
        return date.min
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _md(month_day: tuple[int, int]) -> str:
    return f"{month_day[0]} 月 {month_day[1]} 日"


def check_phase_kinds(plan: PlanFacts) -> list[PlanProblem]:
    allowed = "、".join(code for code, _ in PHASES)
    return [PlanProblem("PHASE_KIND", f"未知的阶段类型“{p.kind}”（{p.start} 至 {p.end}）：阶段类型须为 {allowed} 之一",
                        SOURCE_PROCEDURE, p.kind)
            for p in plan.phases if p.kind not in PHASE_LABELS]


def check_duplicates(plan: PlanFacts) -> list[PlanProblem]:
    kinds = [p.kind for p in plan.phases]
    repeated = [k for i, k in enumerate(kinds) if kinds.count(k) > 1 and kinds.index(k) == i]
    return [PlanProblem("PHASE_DUPLICATE", f"{label(k)}阶段出现 {kinds.count(k)} 次：每类阶段在年度方案中只能安排一次",
                        SOURCE_PROCEDURE, k) for k in repeated]


def check_required(plan: PlanFacts) -> list[PlanProblem]:
    present = {p.kind for p in plan.phases}
    needed = "、".join(label(k) for k in REQUIRED_PHASES)
    return [PlanProblem("PHASE_REQUIRED", f"缺少{label(k)}阶段：年度评审工作方案须包含{needed}阶段", SOURCE_PROCEDURE, k)
            for k in REQUIRED_PHASES if k not in present]


def check_dates(plan: PlanFacts) -> list[PlanProblem]:
    return [PlanProblem("PHASE_DATES", f"{label(p.kind)}开始日期 {p.start} 晚于结束日期 {p.end}：阶段开始日期不得晚于结束日期",
                        SOURCE_PROCEDURE, p.kind) for p in plan.phases if p.start > p.end]


def check_no_cross_year(plan: PlanFacts) -> list[PlanProblem]:
    problems = []
    for p in plan.phases:
        outside = [f"{what}日期 {d}" for what, d in (("开始", p.start), ("结束", p.end)) if d.year != plan.year]
        if outside:
            problems.append(PlanProblem(
                "NO_CROSS_YEAR", f"{label(p.kind)}{'、'.join(outside)} 不在 {plan.year} 年度内：评审工作一般不得跨年度，"
                f"各阶段须在 {plan.year}-01-01 至 {plan.year}-12-31 之间", SOURCE_NO_CROSS_YEAR, p.kind))
    return problems


def check_notice_period(plan: PlanFacts, rules: PlanRules) -> list[PlanProblem]:
    need = f"方案须于评审工作开始前 {rules.min_notice_months} 个月印发"
    if plan.issued_on is None:
        return [PlanProblem("NOTICE_PERIOD", f"尚未填写印发日期：{need}", SOURCE_PLAN)]
    if not plan.phases:
        return []
    first = min(plan.phases, key=lambda p: p.start)
    latest = months_before(first.start, rules.min_notice_months)
    if plan.issued_on <= latest:
        return []
    return [PlanProblem("NOTICE_PERIOD", f"印发日期 {plan.issued_on} 晚于 {latest}：{need}"
                        f"（{label(first.kind)}于 {first.start} 开始）", SOURCE_PLAN)]


def _end_limit(plan: PlanFacts, rule: str, kinds: tuple[str, ...], limit: tuple[int, int], why: str,
               source: str) -> list[PlanProblem]:
    deadline = date(plan.year, *limit)
    return [PlanProblem(rule, f"{label(p.kind)}结束日期 {p.end} 晚于 {deadline}：{why}", source, p.kind)
            for p in plan.phases if p.kind in kinds and p.end > deadline]


def check_meetings_end(plan: PlanFacts, rules: PlanRules) -> list[PlanProblem]:
    why = f"评审会议须于 {_md(rules.meetings_end)}前结束"
    return _end_limit(plan, "MEETINGS_END", ("review_meetings",), rules.meetings_end, why, SOURCE_PLAN)


def check_results_end(plan: PlanFacts, rules: PlanRules) -> list[PlanProblem]:
    why = f"评审结果的审核、公示和公布须于 {_md(rules.results_end)}前完成"
    return _end_limit(plan, "RESULTS_END", ("results_publicity", "filing"), rules.results_end, why, SOURCE_PLAN)


def check_initial_end(plan: PlanFacts, rules: PlanRules) -> list[PlanProblem]:
    why = f"初定工作截止到当年 {_md(rules.initial_end)}"
    return _end_limit(plan, "INITIAL_END", ("initial",), rules.initial_end, why, SOURCE_INITIAL)


def check_publicity_length(plan: PlanFacts, rules: PlanRules, count: WorkingDayCounter) -> list[PlanProblem]:
    problems = []
    need = f"评审结果公示期不少于 {rules.publicity_working_days} 个工作日"
    for p in plan.phases:
        if p.kind != "results_publicity" or p.start > p.end:
            continue  # an inverted range is already PHASE_DATES
        span = f"{label(p.kind)} {p.start} 至 {p.end}"
        try:
            days = count(p.start, p.end)
        except ValueError as exc:
            problems.append(PlanProblem("PUBLICITY_LENGTH", f"无法核验{span} 的工作日数（{exc}）：{need}",
                                        SOURCE_PUBLICITY, p.kind))
            continue
        if days < rules.publicity_working_days:
            problems.append(PlanProblem("PUBLICITY_LENGTH", f"{span} 仅 {days} 个工作日：{need}", SOURCE_PUBLICITY, p.kind))
    return problems


# 004 四: 个人申报 → 单位推荐 → 逐级审核（主管部门、人社部门）→ 组织评审 → 公示. Each phase of the
# procedure that the plan holds starts after the one before it (among those it holds) has ended.
PROCEDURE = ("declaration", "employer_review", "department_audit", "policy_review", "review_meetings",
             "results_publicity")


def _after_message(earlier: PhaseFacts, later: PhaseFacts) -> str:
    before, after = label(earlier.kind), label(later.kind)
    return f"{after}开始日期 {later.start} 不晚于{before}结束日期 {earlier.end}：{after}须在{before}结束后开始"


def check_phase_order(plan: PlanFacts) -> list[PlanProblem]:
    """The procedure's order: 个人申报 → 单位推荐 → 逐级审核 → 组织评审 → 公示."""
    first = {p.kind: p for p in reversed(plan.phases)}  # a duplicated kind: its first occurrence
    held = [first[kind] for kind in PROCEDURE if kind in first]
    order = " → ".join(label(kind) for kind in PROCEDURE)
    return [PlanProblem("PHASE_ORDER", f"{_after_message(earlier, later)}（申报评审程序：{order}）",
                        SOURCE_PROCEDURE, later.kind)
            for earlier, later in itertools.pairwise(held) if later.start <= earlier.end]


def check_sequence(plan: PlanFacts) -> list[PlanProblem]:
    """审核备案 may start the day the results' 公示 ends, not before."""
    by_kind = {p.kind: p for p in reversed(plan.phases)}
    publicity, filing = by_kind.get("results_publicity"), by_kind.get("filing")
    if publicity is None or filing is None or filing.start >= publicity.end:
        return []
    before, after = label(publicity.kind), label(filing.kind)
    return [PlanProblem("SEQUENCE", f"{after}开始日期 {filing.start} 早于{before}结束日期 {publicity.end}："
                        f"{after}不得在{before}结束前开始", SOURCE_PUBLICITY, filing.kind)]


def validate_plan(plan: PlanFacts, rules: PlanRules, count_working_days: WorkingDayCounter) -> list[PlanProblem]:
    """Every calendar problem of ``plan`` in rule order, then plan order; empty list = publishable."""
    return [
        *check_phase_kinds(plan),
        *check_duplicates(plan),
        *check_required(plan),
        *check_dates(plan),
        *check_no_cross_year(plan),
        *check_notice_period(plan, rules),
        *check_meetings_end(plan, rules),
        *check_results_end(plan, rules),
        *check_initial_end(plan, rules),
        *check_publicity_length(plan, rules, count_working_days),
        *check_phase_order(plan),
        *check_sequence(plan),
    ]
