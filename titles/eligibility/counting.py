"""The facts as the rules see them: counting titles and education, date arithmetic, shared helpers."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from .facts import (
    DEGREE_NAMES,
    DEGREES,
    LEVEL_NAMES,
    LEVELS,
    RATING_NAMES,
    Case,
    Education,
)
from .rulebook import Rulebook, TenureRow
from .verdict import RULEBOOK, SOURCES, Check

MONTHS_PER_YEAR = 12

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


def source_text(rulebook: Rulebook, rule: str) -> str:
    return "；".join(rulebook.name if part == RULEBOOK else part for part in SOURCES[rule])


def make_check(f: Facts, rule: str, passed: bool, message: str, **values: Any) -> Check:
    return Check(rule, bool(passed), source_text(f.rulebook, rule), message, values)


def plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def rating_name(rating: str | None) -> str:
    return RATING_NAMES[rating] if rating else "未提供"


def level_rank(level: str) -> int:
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


def degree_list(degrees) -> str:
    names = [DEGREE_NAMES[d] for d in DEGREES if d in degrees]
    return "、".join(names) if names else "（无）"


def lack_text(counted: int, required: int) -> str:
    return "" if counted >= required else f"，尚差 {required - counted} 年"


def required_text(required: int, extra: int) -> str:
    if not extra:
        return f"需满 {required} 年"
    return f"需满 {required} 年（所学专业与申报专业不一致，首次晋升增加 {extra} 年）"


