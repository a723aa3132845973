"""The TENURE rule: years in the basis title (or since starting work, or at the grassroots)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .counting import (
    Facts,
    basis_title,
    extra_years,
    grassroots_applies,
    lack_text,
    make_check,
    non_qualifying_years,
    required_text,
    tenure_row,
    whole_years,
)
from .facts import (
    DEGREE_NAMES,
    LEVEL_NAMES,
)
from .rulebook import TenureRow
from .rules import check_education
from .verdict import Check


@dataclass(frozen=True)
class TenureCount:
    passed: bool
    message: str
    values: dict[str, Any]


def _count_from_career_start(f: Facts, required: int, extra: int) -> TenureCount:
    start = f.applicant.career_start
    counted = whole_years(start, f.tenure_end)
    message = (
        f"参加工作（{start.isoformat()}）以来工作年限 {counted} 年，{required_text(required, extra)}"
        f"（计算至 {f.tenure_end.isoformat()}）{lack_text(counted, required)}"
    )
    values = {"required_years": required, "counted_years": counted, "counted_from": start.isoformat()}
    return TenureCount(counted >= required, message, values)


def _missing_basis(f: Facts, row: TenureRow, required: int, extra: int) -> TenureCount:
    name = LEVEL_NAMES[row.basis]
    if any(t.level == row.basis and t.directed for t in f.titles):
        held = f"持有的双定向{name}职称不能作为申报通用职称的依据"
    else:
        held = f"未取得{name}职称"
    message = f"{held}，须逐级申报：取得{name}职称后{required_text(required, extra)}"
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
        f"取得{name}职称（{title.obtained.isoformat()}）后任职年限 {detail}，{required_text(required, extra)}"
        f"（计算至 {f.tenure_end.isoformat()}）{lack_text(counted, required)}"
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
        f"{LEVEL_NAMES[f.target.level]}职称，{required_text(required, extra)}"
        f"（计算至 {f.tenure_end.isoformat()}）{lack_text(counted, required)}"
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
    return make_check(f, "TENURE", count.passed, count.message, **values)


