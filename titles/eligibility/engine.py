"""The eligibility engine: facts in, verdict out (contract: ELIGIBILITY.md, "Rules, in order").

Pure functions only. Every number comes from the rulebook; each rule has one `check_*` function
that returns a `Check`, or None when the rule does not apply to the case.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .facts import (
    DEGREE_NAMES,
    DEGREES,
    LEVEL_NAMES,
    LEVELS,
    RATING_NAMES,
    SANCTION_NAMES,
    SECTOR_NAMES,
    Case,
    Education,
)
from .rulebook import DEFAULT_RULEBOOK, Rulebook, TenureRow

MONTHS_PER_YEAR = 12
RULEBOOK = "rulebook"  # placeholder in SOURCES, replaced by the rulebook's name

SOURCES: dict[str, tuple[str, ...]] = {
    "IN_SERVICE": ("001 三(一)",),
    "ONE_PER_YEAR": ("001 三(五), 002 五(三)",),
    "BAN": ("002 三(三)",),
    "ASSESSMENT_RECENT": ("001 三(三)",),
    "INITIAL_CUTOFF": ("001 三(五)",),
    "EDUCATION": (RULEBOOK,),
    "EXCEPTIONAL_EXCELLENT": ("001 三(三)",),
    "EXCEPTIONAL_RECOMMENDERS": ("002 一(二)1",),
    "DIRECTED_BASIS": ("004 六(三)1",),
    "TRANSFER_FIRST": ("001 三(四), 002 一(二)2",),
    "TRANSFER": ("001 三(四)",),
    "TENURE": (RULEBOOK, "001 三(二)(三)"),
    "SPECIALTY_MISMATCH": ("002 一(二)2",),
    "TOWNSHIP_SERVICE": ("002 一(一)5",),
    "CONTINUING_EDUCATION": ("002 四(三)",),
}


# --- the verdict ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    rule: str
    passed: bool
    source: str
    message: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    checks: tuple[Check, ...]

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(check.rule for check in self.checks if not check.passed)


def verdict_to_dict(verdict: Verdict) -> dict[str, Any]:
    """The contract's output JSON."""
    return {
        "eligible": verdict.eligible,
        "checks": [
            {
                "rule": check.rule,
                "passed": check.passed,
                "source": check.source,
                "message": check.message,
                "values": check.values,
            }
            for check in verdict.checks
        ],
    }


# --- calendar arithmetic ------------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    """day + years; 02-29 becomes 02-28 in a non-leap year."""
    target_year = day.year + years
    last_day = calendar.monthrange(target_year, day.month)[1]
    return day.replace(year=target_year, day=min(day.day, last_day))


def add_months(day: date, months: int) -> date:
    """day + months, the day clamped to the end of the resulting month."""
    index = day.month - 1 + months
    year, month = day.year + index // MONTHS_PER_YEAR, index % MONTHS_PER_YEAR + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_years(start: date, end: date) -> int:
    """Full years n with start + n years <= end; 0 when start is after end."""
    if start > end:
        return 0
    years = end.year - start.year
    if add_years(start, years) > end:
        years -= 1
    return years


# --- the facts as the rules see them -----------------------------------------------------------


@dataclass(frozen=True)
class HeldTitle:
    """A counting title: a title, or a qualification the rulebook makes equal to one."""

    series: str
    level: str
    obtained: date
    directed: bool = False
    via: str | None = None  # the qualification's name

    def describe(self) -> str:
        text = f"{self.series}系列{LEVEL_NAMES[self.level]}职称"
        if self.directed:
            text = f"双定向{text}"
        detail = f"{self.via}，{self.obtained.isoformat()}" if self.via else self.obtained.isoformat()
        return f"{text}（{detail}）"


@dataclass(frozen=True)
class Facts:
    case: Case
    rulebook: Rulebook
    tenure_end: date
    education: Education | None
    titles: tuple[HeldTitle, ...]

    @property
    def year(self) -> int:
        return self.case.declaration_year

    @property
    def route(self) -> str:
        return self.case.target.route

    @property
    def target(self):
        return self.case.target

    @property
    def applicant(self):
        return self.case.applicant

    @property
    def highest(self) -> HeldTitle | None:
        """The counting title of the highest level (earliest if several); directed ones included."""
        if not self.titles:
            return None
        return min(self.titles, key=lambda t: (-LEVELS.index(t.level), t.obtained))

    def assessed(self) -> bool:
        return self.applicant.sector in self.rulebook.assessment_sectors

    def rating(self, year: int) -> str | None:
        return self.applicant.assessments.get(year)


def counting_education(case: Case) -> Education | None:
    """The highest degree obtained on or before the material deadline (first listed on ties)."""
    counting = [e for e in case.applicant.education if e.obtained <= case.material_deadline]
    if not counting:
        return None
    return max(counting, key=lambda e: DEGREES.index(e.degree))


def counting_titles(case: Case, rulebook: Rulebook) -> tuple[HeldTitle, ...]:
    deadline = case.material_deadline
    titles = [
        HeldTitle(t.series, t.level, t.obtained, t.directed)
        for t in case.applicant.titles
        if t.obtained <= deadline
    ]
    for q in case.applicant.qualifications:
        equivalent = rulebook.qualification_titles.get(q.name)
        if equivalent is not None and q.obtained <= deadline:
            titles.append(HeldTitle(equivalent.series, equivalent.level, q.obtained, via=q.name))
    return tuple(titles)


def build_facts(case: Case, rulebook: Rulebook) -> Facts:
    return Facts(
        case=case,
        rulebook=rulebook,
        tenure_end=date(case.declaration_year, rulebook.tenure_end_month, rulebook.tenure_end_day),
        education=counting_education(case),
        titles=counting_titles(case, rulebook),
    )


# --- shared helpers -------------------------------------------------------------------------------


def _source(rulebook: Rulebook, rule: str) -> str:
    return "；".join(rulebook.name if part == RULEBOOK else part for part in SOURCES[rule])


def _check(f: Facts, rule: str, passed: bool, message: str, **values: Any) -> Check:
    return Check(rule, bool(passed), _source(f.rulebook, rule), message, values)


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _rating_name(rating: str | None) -> str:
    return RATING_NAMES[rating] if rating else "未提供"


def _level_rank(level: str) -> int:
    return LEVELS.index(level)


def tenure_row(f: Facts) -> TenureRow | None:
    """The TENURE table row of the route: by education (regular, directed) or most years (exceptional)."""
    rows = f.rulebook.tenure.get(f.target.level, {})
    if f.route in ("regular", "directed"):
        return rows.get(f.education.degree) if f.education else None
    if f.route == "exceptional" and rows:
        return max(rows.values(), key=lambda row: row.years)
    return None


def basis_candidates(f: Facts, level: str) -> list[HeldTitle]:
    """Counting titles at `level` that may serve as a basis (directed ones only for route directed)."""
    return [t for t in f.titles if t.level == level and (f.route == "directed" or not t.directed)]


def basis_title(f: Facts, level: str) -> HeldTitle | None:
    candidates = basis_candidates(f, level)
    return min(candidates, key=lambda t: t.obtained) if candidates else None


def non_qualifying_years(f: Facts, since: date) -> list[int]:
    """Years after `since`'s year up to Y rated below qualified (sector public only)."""
    if not f.assessed():
        return []
    return [
        year
        for year in range(since.year + 1, f.year + 1)
        if f.rating(year) is not None and f.rating(year) not in f.rulebook.qualifying_ratings
    ]


def grassroots_applies(f: Facts) -> bool:
    return (
        f.applicant.grassroots_since is not None
        and f.target.level == f.rulebook.grassroots_level
        and f.route in ("regular", "directed")
    )


def mismatch_applies(f: Facts) -> bool:
    return (
        f.route in ("regular", "directed")
        and f.education is not None
        and not f.education.related_to_specialty
        and len(f.titles) <= 1
    )


def extra_years(f: Facts) -> int:
    return f.rulebook.mismatch_extra_years if mismatch_applies(f) else 0


def _degree_list(degrees) -> str:
    names = [DEGREE_NAMES[d] for d in DEGREES if d in degrees]
    return "、".join(names) if names else "（无）"


def _lack(counted: int, required: int) -> str:
    return "" if counted >= required else f"，尚差 {required - counted} 年"


def _required_text(required: int, extra: int) -> str:
    if not extra:
        return f"需满 {required} 年"
    return f"需满 {required} 年（所学专业与申报专业不一致，首次晋升增加 {extra} 年）"


# --- the rules, in the contract's order ---------------------------------------------------------


def check_in_service(f: Facts) -> Check | None:
    sector = f.applicant.sector
    if sector not in f.rulebook.in_service_sectors:
        return None
    if f.applicant.in_service:
        return _check(f, "IN_SERVICE", True, "申报人为本单位在职在岗的专业技术人员", in_service=True)
    return _check(
        f,
        "IN_SERVICE",
        False,
        f"{SECTOR_NAMES[sector]}的申报人须为本单位在职在岗的专业技术人员，你目前未在职在岗",
        in_service=False,
    )


def check_one_per_year(f: Facts) -> Check:
    same_year = [d for d in f.applicant.other_declarations if d.year == f.year]
    if not same_year:
        return _check(f, "ONE_PER_YEAR", True, f"{f.year} 年度无其他职称申报", other_declarations=[])
    described = "、".join(
        f"{d.series or '未注明'}系列{LEVEL_NAMES.get(d.level or '', '')}职称" for d in same_year
    )
    return _check(
        f,
        "ONE_PER_YEAR",
        False,
        f"{f.year} 年度已申报{described}，同一年度只能申报一个系列（专业）的职称",
        other_declarations=[{"year": d.year, "series": d.series, "level": d.level} for d in same_year],
    )


def _ban(f: Facts, sanction) -> dict[str, Any]:
    months = f.rulebook.ban_months[sanction.kind]
    until = add_months(sanction.date, months)
    return {
        "kind": sanction.kind,
        "date": sanction.date.isoformat(),
        "months": months,
        "until": until.isoformat(),
        "in_force": f.case.as_of < until,
    }


def _ban_text(ban: dict[str, Any]) -> str:
    return (
        f"{SANCTION_NAMES[ban['kind']]}（{ban['date']}）自处分或认定之日起 {ban['months']} 个月内不得申报，"
        f"至 {ban['until']} 期满"
    )


def check_ban(f: Facts) -> Check:
    bans = [_ban(f, s) for s in f.applicant.sanctions]
    in_force = [b for b in bans if b["in_force"]]
    as_of = f.case.as_of.isoformat()
    if in_force:
        text = "；".join(_ban_text(b) for b in in_force)
        return _check(f, "BAN", False, f"截至 {as_of} 仍在禁止申报期内：{text}", as_of=as_of, sanctions=bans)
    if bans:
        text = "；".join(_ban_text(b) for b in bans)
        message = f"截至 {as_of} 无处于禁止申报期内的处分（{text}）"
    else:
        message = "无禁止申报的处分记录"
    return _check(f, "BAN", True, message, as_of=as_of, sanctions=bans)


def check_assessment_recent(f: Facts) -> Check | None:
    if not f.assessed() or f.route in ("green_channel", "initial"):
        return None
    years = list(range(f.year, f.year - f.rulebook.assessment_recent_years, -1))
    ratings = {str(year): f.rating(year) for year in years}
    passed = any(rating in f.rulebook.qualifying_ratings for rating in ratings.values())
    listed = "，".join(f"{year} 年度考核{_rating_name(rating)}" for year, rating in ratings.items())
    wanted = "、".join(str(year) for year in years)
    message = f"{listed}；{wanted} 年度中须有一次考核为合格及以上等次"
    if not passed:
        message += "，你尚无符合要求的考核结果"
    return _check(f, "ASSESSMENT_RECENT", passed, message, ratings=ratings)


def check_initial_cutoff(f: Facts) -> Check | None:
    if f.route != "initial":
        return None
    rb = f.rulebook
    cutoff = date(f.year, rb.initial_cutoff_month, rb.initial_cutoff_day)
    passed = f.case.as_of <= cutoff
    message = f"初定工作截止到 {cutoff.isoformat()}，核验日期 {f.case.as_of.isoformat()}"
    message += "，在截止日之前" if passed else "，已过截止日，本年度不能再办理初定"
    return _check(
        f, "INITIAL_CUTOFF", passed, message, cutoff=cutoff.isoformat(), as_of=f.case.as_of.isoformat()
    )


def _no_education_check(f: Facts) -> Check:
    deadline = f.case.material_deadline.isoformat()
    return _check(
        f,
        "EDUCATION",
        False,
        f"没有在材料收审截止日（{deadline}）前取得的学历，学历条件不能认定",
        degree=None,
        material_deadline=deadline,
    )


def _initial_education_check(f: Facts) -> Check:
    listed = f.rulebook.initial.get(f.target.level, {})
    education = f.education
    passed = education.degree in listed and education.full_time
    kind = "全日制" if education.full_time else "非全日制"
    message = (
        f"初定{LEVEL_NAMES[f.target.level]}职称须为全日制{_degree_list(listed)}学历；"
        f"你的学历：{kind}{DEGREE_NAMES[education.degree]}"
    )
    if not passed:
        message += "，不符合初定的学历条件"
    return _check(
        f,
        "EDUCATION",
        passed,
        message,
        degree=education.degree,
        full_time=education.full_time,
        listed_degrees=[d for d in DEGREES if d in listed],
    )


def _table_education_check(f: Facts) -> Check:
    level = f.target.level
    listed = f.rulebook.tenure.get(level, {})
    grassroots = f.rulebook.grassroots if grassroots_applies(f) else {}
    degree = f.education.degree
    passed = degree in listed or degree in grassroots
    message = f"申报{LEVEL_NAMES[level]}职称的学历条件：{_degree_list(listed)}"
    if grassroots:
        message += f"；基层专业技术人员另可为 {_degree_list(grassroots)}"
    message += f"；你的学历：{DEGREE_NAMES[degree]}"
    if not passed:
        message += "，不在所列学历之内"
    return _check(
        f,
        "EDUCATION",
        passed,
        message,
        degree=degree,
        listed_degrees=[d for d in DEGREES if d in listed],
        grassroots_degrees=[d for d in DEGREES if d in grassroots],
    )


def check_education(f: Facts) -> Check | None:
    if f.route not in ("regular", "directed", "initial"):
        return None
    if f.education is None:
        return _no_education_check(f)
    if f.route == "initial":
        return _initial_education_check(f)
    return _table_education_check(f)


def check_exceptional_excellent(f: Facts) -> Check | None:
    if f.route != "exceptional" or not f.assessed():
        return None
    rb = f.rulebook
    years = list(range(f.year - rb.exceptional_lookback_years, f.year))
    ratings = {str(year): f.rating(year) for year in years}
    passed = rb.exceptional_rating in ratings.values()
    listed = "，".join(f"{year} 年{_rating_name(rating)}" for year, rating in ratings.items())
    wanted = RATING_NAMES[rb.exceptional_rating]
    message = f"破格申报须近 {rb.exceptional_lookback_years} 年内有一次年度考核为{wanted}（{listed}）"
    if not passed:
        message += f"，你尚无{wanted}等次"
    return _check(f, "EXCEPTIONAL_EXCELLENT", passed, message, ratings=ratings)


def check_exceptional_recommenders(f: Facts) -> Check | None:
    if f.route != "exceptional":
        return None
    rb = f.rulebook
    wanted = rb.exceptional_recommender_level
    qualifying = [
        r for r in f.applicant.exceptional_recommenders if _level_rank(r.level) >= _level_rank(wanted)
    ]
    needed = rb.exceptional_recommenders_needed
    passed = len(qualifying) >= needed
    message = (
        f"破格申报须由 {needed} 名以上具备{LEVEL_NAMES[wanted]}职称的同行专家推荐，"
        f"现有符合条件的推荐人 {len(qualifying)} 名"
    )
    if not passed:
        message += f"，尚差 {needed - len(qualifying)} 名"
    return _check(f, "EXCEPTIONAL_RECOMMENDERS", passed, message, required=needed, qualifying=len(qualifying))


def check_directed_basis(f: Facts) -> Check | None:
    row = tenure_row(f)
    if f.route == "directed" or row is None or row.basis is None:
        return None
    at_level = [t for t in f.titles if t.level == row.basis]
    directed = [t for t in at_level if t.directed]
    if not directed or len(directed) < len(at_level):
        return None
    name = LEVEL_NAMES[row.basis]
    return _check(
        f,
        "DIRECTED_BASIS",
        False,
        f"你持有的{directed[0].describe()}只在定向基层单位有效，不能作为申报通用{LEVEL_NAMES[f.target.level]}"
        f"职称的依据；须先取得同级（{name}）通用职称",
        basis_level=row.basis,
    )


def check_transfer_first(f: Facts) -> Check | None:
    """The basis title (the earliest at the basis level, any series) must be in the target series."""
    row = tenure_row(f)
    if f.route not in ("regular", "directed") or row is None or row.basis is None:
        return None
    basis = basis_title(f, row.basis)
    if basis is None:
        return None
    series = f.target.series
    passed = basis.series == series
    if passed:
        message = f"你的任职资格依据为{basis.describe()}，与申报系列（{series}）一致，可在此基础上申报上一级职称"
    else:
        message = (
            f"你的任职资格依据为{basis.describe()}，与申报系列（{series}）不同；"
            f"须先转评{series}系列同级职称，方可申报上一级"
        )
    return _check(f, "TRANSFER_FIRST", passed, message, target_series=series, basis_series=basis.series)


def _transfer_problems(f: Facts, title: HeldTitle, post_years: int) -> list[str]:
    rb, target, applicant = f.rulebook, f.target, f.applicant
    problems = []
    if title.level != target.level:
        problems.append(
            f"转评只能申报与现有最高职称同级的职称（现为{LEVEL_NAMES[title.level]}，"
            f"申报{LEVEL_NAMES[target.level]}）"
        )
    if title.series == target.series:
        problems.append(f"现有职称已是{target.series}系列，无需转评")
    if applicant.post_series != target.series:
        problems.append(
            f"申报系列（{target.series}）须与现岗位系列（{applicant.post_series or '未填写'}）一致"
        )
    if post_years < rb.transfer_min_years:
        problems.append(f"现岗位工作 {post_years} 年，需满 {rb.transfer_min_years} 年")
    if f.assessed():
        year = f.year - rb.transfer_assessment_years_back
        if f.rating(year) not in rb.qualifying_ratings:
            problems.append(f"{year} 年度考核{_rating_name(f.rating(year))}，须为合格及以上等次")
    return problems


def check_transfer(f: Facts) -> Check | None:
    if f.route != "transfer":
        return None
    title = f.highest
    if title is None:
        return _check(
            f, "TRANSFER", False, "未持有任何职称（或视同职称的职业资格），无可转评的职称", post_years=0
        )
    post_since = f.applicant.post_since
    post_years = whole_years(post_since, f.tenure_end) if post_since else 0
    problems = _transfer_problems(f, title, post_years)
    values = {
        "highest_level": title.level,
        "highest_series": title.series,
        "post_series": f.applicant.post_series,
        "post_years": post_years,
        "required_post_years": f.rulebook.transfer_min_years,
    }
    if problems:
        return _check(
            f, "TRANSFER", False, f"持有{title.describe()}，不符合转评条件：" + "；".join(problems), **values
        )
    message = (
        f"持有{title.describe()}，转评{f.target.series}系列同级职称：现岗位工作 {post_years} 年"
        f"（需满 {f.rulebook.transfer_min_years} 年，计算至 {f.tenure_end.isoformat()}），符合转评条件"
    )
    return _check(f, "TRANSFER", True, message, **values)


@dataclass(frozen=True)
class TenureCount:
    passed: bool
    message: str
    values: dict[str, Any]


def _count_from_career_start(f: Facts, required: int, extra: int) -> TenureCount:
    start = f.applicant.career_start
    counted = whole_years(start, f.tenure_end)
    message = (
        f"参加工作（{start.isoformat()}）以来工作年限 {counted} 年，{_required_text(required, extra)}"
        f"（计算至 {f.tenure_end.isoformat()}）{_lack(counted, required)}"
    )
    values = {"required_years": required, "counted_years": counted, "counted_from": start.isoformat()}
    return TenureCount(counted >= required, message, values)


def _missing_basis(f: Facts, row: TenureRow, required: int, extra: int) -> TenureCount:
    name = LEVEL_NAMES[row.basis]
    if any(t.level == row.basis and t.directed for t in f.titles):
        held = f"持有的双定向{name}职称不能作为申报通用职称的依据"
    else:
        held = f"未取得{name}职称"
    message = f"{held}，须逐级申报：取得{name}职称后{_required_text(required, extra)}"
    values = {"required_years": required, "counted_years": 0, "basis_level": row.basis}
    return TenureCount(False, message, values)


def _count_from_basis(f: Facts, row: TenureRow, extra: int) -> TenureCount:
    required = row.years + extra
    title = basis_title(f, row.basis)
    if title is None:
        return _missing_basis(f, row, required, extra)
    whole = whole_years(title.obtained, f.tenure_end)
    lost = non_qualifying_years(f, title.obtained)
    counted = max(0, whole - len(lost))
    name = LEVEL_NAMES[row.basis]
    detail = (
        f"{whole} 年，扣除考核基本合格及以下年度（{'、'.join(map(str, lost))}）后计 {counted} 年"
        if lost
        else f"{counted} 年"
    )
    message = (
        f"取得{name}职称（{title.obtained.isoformat()}）后任职年限 {detail}，{_required_text(required, extra)}"
        f"（计算至 {f.tenure_end.isoformat()}）{_lack(counted, required)}"
    )
    values = {
        "required_years": required,
        "counted_years": counted,
        "basis_level": row.basis,
        "counted_from": title.obtained.isoformat(),
        "non_qualifying_years": lost,
    }
    return TenureCount(counted >= required, message, values)


def count_by_row(f: Facts, row: TenureRow | None, extra: int) -> TenureCount:
    if row is None:
        level = LEVEL_NAMES[f.target.level]
        return TenureCount(False, f"规则库未规定申报{level}职称的任职年限，无法核验", {})
    if row.basis is None:
        return _count_from_career_start(f, row.years + extra, extra)
    return _count_from_basis(f, row, extra)


def count_grassroots(f: Facts, extra: int) -> TenureCount:
    since = f.applicant.grassroots_since
    required = f.rulebook.grassroots[f.education.degree] + extra
    counted = whole_years(since, f.tenure_end)
    message = (
        f"基层工作（{since.isoformat()} 起）{counted} 年，{DEGREE_NAMES[f.education.degree]}学历可直接申报"
        f"{LEVEL_NAMES[f.target.level]}职称，{_required_text(required, extra)}"
        f"（计算至 {f.tenure_end.isoformat()}）{_lack(counted, required)}"
    )
    values = {"grassroots_required_years": required, "grassroots_counted_years": counted}
    return TenureCount(counted >= required, message, values)


def _tenure_regular(f: Facts) -> TenureCount:
    extra = extra_years(f)
    row = tenure_row(f)
    counts = [count_by_row(f, row, extra)] if row is not None else []
    if grassroots_applies(f) and f.education.degree in f.rulebook.grassroots:
        counts.append(count_grassroots(f, extra))
    if not counts:
        return count_by_row(f, None, extra)
    values: dict[str, Any] = {"extra_years": extra}
    for count in counts:
        values.update(count.values)
    passed = any(count.passed for count in counts)
    message = "；或".join(count.message for count in counts)
    return TenureCount(passed, message, values)


def _tenure_exceptional(f: Facts) -> TenureCount:
    count = count_by_row(f, tenure_row(f), 0)
    return TenureCount(count.passed, f"破格申报（不论学历，按最长年限要求）：{count.message}", count.values)


def _tenure_initial(f: Facts) -> TenureCount:
    required = f.rulebook.initial[f.target.level][f.education.degree]
    count = _count_from_career_start(f, required, 0)
    return TenureCount(count.passed, f"初定{LEVEL_NAMES[f.target.level]}职称：{count.message}", count.values)


def check_tenure(f: Facts) -> Check | None:
    if f.route not in ("regular", "exceptional", "directed", "initial"):
        return None
    education = check_education(f)
    if education is not None and not education.passed:
        return None
    if f.route == "initial":
        count = _tenure_initial(f)
    elif f.route == "exceptional":
        count = _tenure_exceptional(f)
    else:
        count = _tenure_regular(f)
    values = {"end_date": f.tenure_end.isoformat(), **count.values}
    return _check(f, "TENURE", count.passed, count.message, **values)


def check_specialty_mismatch(f: Facts) -> Check | None:
    if not mismatch_applies(f):
        return None
    series = f.target.series
    forbidden = f.rulebook.mismatch_forbidden_series
    extra = f.rulebook.mismatch_extra_years
    passed = series not in forbidden
    if passed:
        message = f"所学专业与申报专业不一致，首次晋升职称任职年限增加 {extra} 年"
    else:
        message = (
            f"所学专业与申报专业不一致；{series}系列涉及公共安全、人身健康（{'、'.join(forbidden)}），"
            "不能按专业不一致申报"
        )
    return _check(
        f, "SPECIALTY_MISMATCH", passed, message, extra_years=extra, forbidden_series=list(forbidden)
    )


def check_township_service(f: Facts) -> Check | None:
    rb = f.rulebook
    if not f.applicant.county_health_edu_agri or f.target.level != rb.township_level:
        return None
    served = _num(f.applicant.township_service_years)
    passed = served >= rb.township_min_years
    message = (
        f"县级医疗卫生、教育、农业机构专业技术人员晋升{LEVEL_NAMES[rb.township_level]}职称前须到乡镇累计服务满 "
        f"{rb.township_min_years} 年，你已服务 {served} 年"
    )
    if not passed:
        message += "，服务年限不足"
    return _check(
        f, "TOWNSHIP_SERVICE", passed, message, required_years=rb.township_min_years, served_years=served
    )


def required_hours(f: Facts, year: int) -> int:
    rb = f.rulebook
    if year <= rb.ce_legacy_until:
        highest = f.highest
        high = highest is not None and _level_rank(highest.level) >= _level_rank(rb.ce_legacy_high_from_level)
        return rb.ce_legacy_hours_high if high else rb.ce_legacy_hours_low
    if year in rb.ce_year_hours:
        return rb.ce_year_hours[year]
    reduced = f.applicant.grassroots_since is not None or f.applicant.sector not in rb.ce_full_hours_sectors
    return rb.ce_reduced_hours if reduced else rb.ce_standard_hours


def required_professional_hours(rulebook: Rulebook, required: int) -> int:
    """⌈share × required⌉ in integer arithmetic."""
    numerator, denominator = (
        rulebook.ce_professional_share_numerator,
        rulebook.ce_professional_share_denominator,
    )
    return -(-required * numerator // denominator)


def _hours_year(f: Facts, year: int) -> dict[str, Any]:
    total_needed = required_hours(f, year)
    professional_needed = required_professional_hours(f.rulebook, total_needed)
    record = f.applicant.continuing_education.get(year)
    entry: dict[str, Any] = {"required_total": total_needed, "required_professional": professional_needed}
    if record is None:
        return {**entry, "total": None, "professional": None, "passed": False}
    passed = record.total >= total_needed and record.professional >= professional_needed
    return {**entry, "total": _num(record.total), "professional": _num(record.professional), "passed": passed}


def _hours_text(year: int, entry: dict[str, Any]) -> str:
    wanted = f"需总学时 {entry['required_total']}、专业科目 {entry['required_professional']}"
    if entry["total"] is None:
        return f"{year} 年无继续教育学时记录（{wanted}）"
    return f"{year} 年总学时 {entry['total']}、专业科目 {entry['professional']}（{wanted}）"


def check_continuing_education(f: Facts) -> Check | None:
    if f.route in ("green_channel", "initial"):
        return None
    start_year = f.applicant.career_start.year
    years = [y for y in range(f.year - f.rulebook.ce_lookback_years, f.year) if y >= start_year]
    entries = {year: _hours_year(f, year) for year in years}
    failing = [year for year, entry in entries.items() if not entry["passed"]]
    values = {"years": {str(year): entry for year, entry in entries.items()}}
    if not years:
        return _check(f, "CONTINUING_EDUCATION", True, "参加工作前的年度无需核验继续教育学时", **values)
    if failing:
        text = "；".join(_hours_text(year, entries[year]) for year in failing)
        return _check(f, "CONTINUING_EDUCATION", False, f"继续教育学时不达标：{text}", **values)
    text = "；".join(_hours_text(year, entry) for year, entry in entries.items())
    return _check(f, "CONTINUING_EDUCATION", True, f"继续教育学时均达标：{text}", **values)


RULES = (
    check_in_service,
    check_one_per_year,
    check_ban,
    check_assessment_recent,
    check_initial_cutoff,
    check_education,
    check_exceptional_excellent,
    check_exceptional_recommenders,
    check_directed_basis,
    check_transfer_first,
    check_transfer,
    check_tenure,
    check_specialty_mismatch,
    check_township_service,
    check_continuing_education,
)


def evaluate(case: Case, rulebook: Rulebook = DEFAULT_RULEBOOK) -> Verdict:
    """Apply every rule that applies to the case, in the contract's order."""
    facts = build_facts(case, rulebook)
    checks = tuple(check for rule in RULES if (check := rule(facts)) is not None)
    return Verdict(eligible=all(check.passed for check in checks), checks=checks)
