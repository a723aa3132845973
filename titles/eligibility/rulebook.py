"""The rulebook: every number and table the eligibility engine reads (contract: "Default rulebook").

A jurisdiction overrides single numbers or table rows with `Rulebook.from_dict(partial)`: nested
tables merge by key, and `null` removes a table entry (or clears a row's basis level).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from types import MappingProxyType
from typing import Any

from .facts import DEGREES, LEVELS, RATINGS, SANCTION_KINDS, SECTORS

_COMMON_YEAR = 2001  # month/day pairs must exist in every year, so 02-29 is refused


@dataclass(frozen=True)
class TenureRow:
    """(basis title level or None, years) for one (target level, education) pair."""

    basis: str | None
    years: int


@dataclass(frozen=True)
class TitleEquivalent:
    """The title a vocational qualification counts as."""

    series: str
    level: str


@dataclass(frozen=True)
class Rulebook:
    name: str
    exam_only: Mapping[str, tuple[str, ...]]
    tenure_end_month: int
    tenure_end_day: int
    tenure: Mapping[str, Mapping[str, TenureRow]]
    initial: Mapping[str, Mapping[str, int]]
    grassroots_level: str
    grassroots: Mapping[str, int]
    qualification_titles: Mapping[str, TitleEquivalent]
    mismatch_extra_years: int
    mismatch_forbidden_series: tuple[str, ...]
    ban_months: Mapping[str, int]
    in_service_sectors: tuple[str, ...]
    assessment_sectors: tuple[str, ...]
    qualifying_ratings: tuple[str, ...]
    assessment_recent_years: int
    exceptional_rating: str
    exceptional_lookback_years: int
    exceptional_recommenders_needed: int
    exceptional_recommender_level: str
    transfer_min_years: int
    transfer_assessment_years_back: int
    initial_cutoff_month: int
    initial_cutoff_day: int
    township_level: str
    township_min_years: int
    ce_lookback_years: int
    ce_legacy_until: int
    ce_legacy_hours_high: int
    ce_legacy_hours_low: int
    ce_legacy_high_from_level: str
    ce_year_hours: Mapping[int, int]
    ce_standard_hours: int
    ce_reduced_hours: int
    ce_full_hours_sectors: tuple[str, ...]
    ce_professional_share_numerator: int
    ce_professional_share_denominator: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict (dicts, lists, str, int, None)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any, base: Rulebook | None = None) -> Rulebook:
        """Overlay `data` on `base` (DEFAULT_RULEBOOK when omitted) and validate the result.

        Pass `base=None` explicitly via `from_complete_dict` when `data` is a whole rulebook.
        """
        if not isinstance(data, Mapping):
            raise ValueError("规则库无效：应为对象（JSON object）")
        start = (base or DEFAULT_RULEBOOK).to_dict()
        return _build(_overlay(start, data))

    @classmethod
    def from_complete_dict(cls, data: Any) -> Rulebook:
        """Build from a whole rulebook dict, without overlaying it on the default."""
        if not isinstance(data, Mapping):
            raise ValueError("规则库无效：应为对象（JSON object）")
        return _build(copy.deepcopy(dict(data)))


# --- overlay and plain conversion ----------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, TenureRow):
        return {"basis": value.basis, "years": value.years}
    if isinstance(value, TitleEquivalent):
        return {"series": value.series, "level": value.level}
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def _overlay(base: dict, patch: Mapping) -> dict:
    for raw_key, value in patch.items():
        key = str(raw_key)
        if value is None:
            base.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(base.get(key), dict):
            base[key] = _overlay(base[key], value)
        else:
            base[key] = copy.deepcopy(_plain(value))
    return base


# --- validation: one small reader per kind of entry -------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.messages.append(f"{path}：{message}")


def _count(e: _Errors, value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        e.fail(path, f"应为非负整数，实际为 {value!r}")
        return 0
    return value


def _positive(e: _Errors, value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        e.fail(path, f"应为正整数，实际为 {value!r}")
        return 1
    return value


def _enum(e: _Errors, value: Any, path: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        e.fail(path, f"取值无效：{value!r}；可选值：{', '.join(allowed)}")
    return value


def _text(e: _Errors, value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        e.fail(path, "应为非空字符串")
    return value


def _table(e: _Errors, value: Any, path: str) -> dict:
    if not isinstance(value, Mapping):
        e.fail(path, "应为对象（以键为行的表）")
        return {}
    return dict(value)


def _enum_list(e: _Errors, value: Any, path: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        e.fail(path, "应为列表")
        return ()
    return tuple(_enum(e, item, f"{path}.{i}", allowed) for i, item in enumerate(value))


def _text_list(e: _Errors, value: Any, path: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        e.fail(path, "应为列表")
        return ()
    return tuple(_text(e, item, f"{path}.{i}") for i, item in enumerate(value))


def _exam_only(e: _Errors, value: Any) -> Mapping[str, tuple[str, ...]]:
    """Series → the levels at which the title comes from the national exam only (以考代评)."""
    table = _table(e, value, "exam_only")
    return MappingProxyType({
        _text(e, series, f"exam_only.{series}"): _enum_list(e, levels, f"exam_only.{series}", LEVELS)
        for series, levels in table.items()
    })


def _month_day(e: _Errors, data: dict, prefix: str) -> tuple[int, int]:
    month = _count(e, data.get(f"{prefix}_month"), f"{prefix}_month")
    day = _count(e, data.get(f"{prefix}_day"), f"{prefix}_day")
    try:
        date(_COMMON_YEAR, month, day)
    except (TypeError, ValueError):
        e.fail(f"{prefix}_month/{prefix}_day", f"不是有效的月日：{month}-{day}")
    return month, day


def _tenure_row(e: _Errors, value: Any, path: str, target: str) -> TenureRow:
    row = _table(e, value, path)
    unknown = set(row) - {"basis", "years"}
    if unknown:
        e.fail(path, f"未知字段：{', '.join(sorted(unknown))}")
    basis = row.get("basis")
    if basis is not None:
        _enum(e, basis, f"{path}.basis", LEVELS)
        if basis in LEVELS and target in LEVELS and LEVELS.index(basis) >= LEVELS.index(target):
            e.fail(f"{path}.basis", f"资格层级 {basis} 应低于申报层级 {target}")
    return TenureRow(basis=basis, years=_count(e, row.get("years"), f"{path}.years"))


def _tenure_table(e: _Errors, value: Any) -> Mapping[str, Mapping[str, TenureRow]]:
    result = {}
    for level, rows in _table(e, value, "tenure").items():
        _enum(e, level, f"tenure.{level}", LEVELS)
        result[level] = MappingProxyType(
            {
                degree: _tenure_row(e, row, f"tenure.{level}.{degree}", level)
                for degree, row in _table(e, rows, f"tenure.{level}").items()
                if _enum(e, degree, f"tenure.{level}.{degree}", DEGREES)
            }
        )
    return MappingProxyType(result)


def _years_by_degree(e: _Errors, value: Any, path: str) -> Mapping[str, int]:
    return MappingProxyType(
        {
            degree: _count(e, years, f"{path}.{degree}")
            for degree, years in _table(e, value, path).items()
            if _enum(e, degree, f"{path}.{degree}", DEGREES)
        }
    )


def _initial_table(e: _Errors, value: Any) -> Mapping[str, Mapping[str, int]]:
    return MappingProxyType(
        {
            _enum(e, level, f"initial.{level}", LEVELS): _years_by_degree(e, rows, f"initial.{level}")
            for level, rows in _table(e, value, "initial").items()
        }
    )


def _equivalents(e: _Errors, value: Any) -> Mapping[str, TitleEquivalent]:
    result = {}
    for name, raw in _table(e, value, "qualification_titles").items():
        path = f"qualification_titles.{name}"
        _text(e, name, path)
        row = _table(e, raw, path)
        result[name] = TitleEquivalent(
            series=_text(e, row.get("series"), f"{path}.series"),
            level=_enum(e, row.get("level"), f"{path}.level", LEVELS),
        )
    return MappingProxyType(result)


def _ban_months(e: _Errors, value: Any) -> Mapping[str, int]:
    table = _table(e, value, "ban_months")
    for kind in table:
        _enum(e, kind, f"ban_months.{kind}", SANCTION_KINDS)
    for kind in SANCTION_KINDS:
        if kind not in table:
            e.fail(f"ban_months.{kind}", "缺少该处分类型的禁止申报月数")
    return MappingProxyType({kind: _count(e, months, f"ban_months.{kind}") for kind, months in table.items()})


def _year_hours(e: _Errors, value: Any) -> Mapping[int, int]:
    result = {}
    for key, hours in _table(e, value, "ce_year_hours").items():
        path = f"ce_year_hours.{key}"
        if not (str(key).isascii() and str(key).isdigit() and len(str(key)) == 4):
            e.fail(path, "年份键应为四位数字年份")
            continue
        result[int(key)] = _count(e, hours, path)
    return MappingProxyType(result)


def _share(e: _Errors, data: dict) -> tuple[int, int]:
    numerator = _count(e, data.get("ce_professional_share_numerator"), "ce_professional_share_numerator")
    denominator = _positive(
        e, data.get("ce_professional_share_denominator"), "ce_professional_share_denominator"
    )
    if denominator and numerator > denominator:
        e.fail("ce_professional_share_numerator", "专业科目比例不能超过 1")
    return numerator, denominator


def _build(data: dict) -> Rulebook:
    e = _Errors()
    known = {f.name for f in fields(Rulebook)}
    for key in data:
        if key not in known:
            e.fail(key, "未知的规则库字段")
    for key in sorted(known - set(data)):
        e.fail(key, "缺少字段")
    if e.messages:
        raise ValueError("规则库无效：" + "；".join(e.messages))
    end_month, end_day = _month_day(e, data, "tenure_end")
    cutoff_month, cutoff_day = _month_day(e, data, "initial_cutoff")
    numerator, denominator = _share(e, data)
    rulebook = Rulebook(
        name=_text(e, data["name"], "name"),
        exam_only=_exam_only(e, data["exam_only"]),
        tenure_end_month=end_month,
        tenure_end_day=end_day,
        tenure=_tenure_table(e, data["tenure"]),
        initial=_initial_table(e, data["initial"]),
        grassroots_level=_enum(e, data["grassroots_level"], "grassroots_level", LEVELS),
        grassroots=_years_by_degree(e, data["grassroots"], "grassroots"),
        qualification_titles=_equivalents(e, data["qualification_titles"]),
        mismatch_extra_years=_count(e, data["mismatch_extra_years"], "mismatch_extra_years"),
        mismatch_forbidden_series=_text_list(
            e, data["mismatch_forbidden_series"], "mismatch_forbidden_series"
        ),
        ban_months=_ban_months(e, data["ban_months"]),
        in_service_sectors=_enum_list(e, data["in_service_sectors"], "in_service_sectors", SECTORS),
        assessment_sectors=_enum_list(e, data["assessment_sectors"], "assessment_sectors", SECTORS),
        qualifying_ratings=_enum_list(e, data["qualifying_ratings"], "qualifying_ratings", RATINGS),
        assessment_recent_years=_positive(e, data["assessment_recent_years"], "assessment_recent_years"),
        exceptional_rating=_enum(e, data["exceptional_rating"], "exceptional_rating", RATINGS),
        exceptional_lookback_years=_positive(
            e, data["exceptional_lookback_years"], "exceptional_lookback_years"
        ),
        exceptional_recommenders_needed=_count(
            e, data["exceptional_recommenders_needed"], "exceptional_recommenders_needed"
        ),
        exceptional_recommender_level=_enum(
            e, data["exceptional_recommender_level"], "exceptional_recommender_level", LEVELS
        ),
        transfer_min_years=_count(e, data["transfer_min_years"], "transfer_min_years"),
        transfer_assessment_years_back=_count(
            e, data["transfer_assessment_years_back"], "transfer_assessment_years_back"
        ),
        initial_cutoff_month=cutoff_month,
        initial_cutoff_day=cutoff_day,
        township_level=_enum(e, data["township_level"], "township_level", LEVELS),
        township_min_years=_count(e, data["township_min_years"], "township_min_years"),
        ce_lookback_years=_count(e, data["ce_lookback_years"], "ce_lookback_years"),
        ce_legacy_until=_count(e, data["ce_legacy_until"], "ce_legacy_until"),
        ce_legacy_hours_high=_count(e, data["ce_legacy_hours_high"], "ce_legacy_hours_high"),
        ce_legacy_hours_low=_count(e, data["ce_legacy_hours_low"], "ce_legacy_hours_low"),
        ce_legacy_high_from_level=_enum(
            e, data["ce_legacy_high_from_level"], "ce_legacy_high_from_level", LEVELS
        ),
        ce_year_hours=_year_hours(e, data["ce_year_hours"]),
        ce_standard_hours=_count(e, data["ce_standard_hours"], "ce_standard_hours"),
        ce_reduced_hours=_count(e, data["ce_reduced_hours"], "ce_reduced_hours"),
        ce_full_hours_sectors=_enum_list(e, data["ce_full_hours_sectors"], "ce_full_hours_sectors", SECTORS),
        ce_professional_share_numerator=numerator,
        ce_professional_share_denominator=denominator,
    )
    if e.messages:
        raise ValueError("规则库无效：" + "；".join(e.messages))
    return rulebook


def _row(basis: str | None, years: int) -> dict[str, Any]:
    return {"basis": basis, "years": years}


_DEFAULT_DATA: dict[str, Any] = {
    "name": "国家默认规则库（工程系列基本标准）",
    # 以考代评 (003 2): these series' titles at these levels come from the national exam, not review.
    "exam_only": {
        series: ["technician", "assistant", "intermediate"]
        for series in ("经济", "会计", "统计", "审计", "卫生", "出版", "翻译")
    },
    "tenure_end_month": 12,
    "tenure_end_day": 31,
    "tenure": {
        "technician": {"secondary": _row(None, 1), "associate": _row(None, 1)},
        "assistant": {
            "doctor": _row(None, 0),
            "master": _row(None, 0),
            "bachelor": _row(None, 1),
            "associate": _row(None, 3),
            "secondary": _row("technician", 2),
        },
        "intermediate": {
            "doctor": _row(None, 0),
            "master": _row("assistant", 2),
            "bachelor": _row("assistant", 4),
            "associate": _row("assistant", 4),
        },
        "associate_senior": {
            "doctor": _row("intermediate", 2),
            "master": _row("intermediate", 5),
            "bachelor": _row("intermediate", 5),
        },
        "senior": {
            "bachelor": _row("associate_senior", 5),
            "master": _row("associate_senior", 5),
            "doctor": _row("associate_senior", 5),
        },
    },
    "initial": {
        "technician": {"secondary": 1, "associate": 1},
        "assistant": {"bachelor": 1, "master": 0},
        "intermediate": {"doctor": 0},
    },
    "grassroots_level": "intermediate",
    "grassroots": {"master": 0, "bachelor": 4, "associate": 6, "secondary": 9},
    "qualification_titles": {
        "一级注册建造师": {"series": "工程", "level": "intermediate"},
        "二级注册建造师": {"series": "工程", "level": "assistant"},
        "注册会计师": {"series": "会计", "level": "intermediate"},
    },
    "mismatch_extra_years": 2,
    "mismatch_forbidden_series": ["卫生"],
    "ban_months": {
        "fraud": 36,
        "party_warning": 12,
        "party_serious_warning": 18,
        "party_removal_from_post": 36,
        "party_probation": 48,
        "party_expulsion": 60,
        "gov_demerit": 12,
        "gov_major_demerit": 18,
        "gov_demotion_or_dismissal": 24,
        "gov_expulsion": 48,
    },
    "in_service_sectors": ["public", "non_public"],
    "assessment_sectors": ["public"],
    "qualifying_ratings": ["excellent", "qualified"],
    "assessment_recent_years": 2,
    "exceptional_rating": "excellent",
    "exceptional_lookback_years": 3,
    "exceptional_recommenders_needed": 2,
    "exceptional_recommender_level": "senior",
    "transfer_min_years": 1,
    "transfer_assessment_years_back": 1,
    "initial_cutoff_month": 11,
    "initial_cutoff_day": 30,
    "township_level": "intermediate",
    "township_min_years": 1,
    "ce_lookback_years": 3,
    "ce_legacy_until": 2019,
    "ce_legacy_hours_high": 72,
    "ce_legacy_hours_low": 32,
    "ce_legacy_high_from_level": "intermediate",
    "ce_year_hours": {"2020": 60},
    "ce_standard_hours": 90,
    "ce_reduced_hours": 45,
    "ce_full_hours_sectors": ["public"],
    "ce_professional_share_numerator": 2,
    "ce_professional_share_denominator": 3,
}

DEFAULT_RULEBOOK = _build(copy.deepcopy(_DEFAULT_DATA))
