"""The facts of one eligibility case and their validation (contract: ELIGIBILITY.md, "Input").

`parse_case` turns the JSON-decoded body into frozen dataclasses, or raises `InvalidCase`
naming every field that breaks the contract (dotted path → Chinese message).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from accounts.errors import DomainError

# --- vocabulary of the contract (enumerations, lowest first where there is an order) ---------------

LEVELS = ("technician", "assistant", "intermediate", "associate_senior", "senior")
ROUTES = ("regular", "exceptional", "green_channel", "directed", "transfer", "initial")
SECTORS = ("public", "non_public", "individual", "flexible")
DEGREES = ("secondary", "associate", "bachelor", "master", "doctor")
RATINGS = ("excellent", "qualified", "basically_qualified", "unqualified", "undetermined")
SANCTION_KINDS = (
    "fraud",
    "party_warning",
    "party_serious_warning",
    "party_removal_from_post",
    "party_probation",
    "party_expulsion",
    "gov_demerit",
    "gov_major_demerit",
    "gov_demotion_or_dismissal",
    "gov_expulsion",
)

LEVEL_NAMES = {
    "technician": "员级",
    "assistant": "助理级",
    "intermediate": "中级",
    "associate_senior": "副高级",
    "senior": "正高级",
}
ROUTE_NAMES = {
    "regular": "正常申报",
    "exceptional": "破格申报",
    "green_channel": "绿色通道",
    "directed": "双定向",
    "transfer": "转评",
    "initial": "初定",
}
SECTOR_NAMES = {
    "public": "机关事业单位、国有企业",
    "non_public": "非公经济组织",
    "individual": "个体工商户",
    "flexible": "灵活就业/自由职业",
}
DEGREE_NAMES = {
    "secondary": "中专/高中",
    "associate": "专科",
    "bachelor": "本科",
    "master": "硕士研究生",
    "doctor": "博士研究生",
}
RATING_NAMES = {
    "excellent": "优秀",
    "qualified": "合格",
    "basically_qualified": "基本合格",
    "unqualified": "不合格",
    "undetermined": "不确定等次",
}
SANCTION_NAMES = {
    "fraud": "弄虚作假/学术不端",
    "party_warning": "党内警告",
    "party_serious_warning": "党内严重警告",
    "party_removal_from_post": "撤销党内职务",
    "party_probation": "留党察看",
    "party_expulsion": "开除党籍",
    "gov_demerit": "记过",
    "gov_major_demerit": "记大过",
    "gov_demotion_or_dismissal": "降低岗位等级或撤职",
    "gov_expulsion": "开除",
}

MIN_YEAR = 1950
MAX_YEAR = 2100

_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_YEAR_KEY_RE = re.compile(r"^[0-9]{4}$")


# --- the facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    series: str
    level: str
    route: str
    specialty: str = ""


@dataclass(frozen=True)
class Education:
    degree: str
    obtained: date
    full_time: bool = False
    related_to_specialty: bool = False


@dataclass(frozen=True)
class Title:
    series: str
    level: str
    obtained: date
    directed: bool = False


@dataclass(frozen=True)
class Qualification:
    name: str
    obtained: date


@dataclass(frozen=True)
class Sanction:
    kind: str
    date: date
    # A credit record (诚信档案) fed in by the platform: it ends on its own date, and names itself.
    until: date | None = None
    record: str = ""


@dataclass(frozen=True)
class OtherDeclaration:
    year: int
    series: str = ""
    level: str | None = None


@dataclass(frozen=True)
class Recommender:
    level: str
    name: str = ""


@dataclass(frozen=True)
class ContinuingEducationYear:
    total: float
    professional: float


@dataclass(frozen=True)
class Applicant:
    sector: str
    career_start: date
    in_service: bool = False
    grassroots_since: date | None = None
    county_health_edu_agri: bool = False
    township_service_years: float = 0
    post_series: str = ""
    post_since: date | None = None
    education: tuple[Education, ...] = ()
    titles: tuple[Title, ...] = ()
    qualifications: tuple[Qualification, ...] = ()
    assessments: dict[int, str] = field(default_factory=dict)
    continuing_education: dict[int, ContinuingEducationYear] = field(default_factory=dict)
    sanctions: tuple[Sanction, ...] = ()
    other_declarations: tuple[OtherDeclaration, ...] = ()
    exceptional_recommenders: tuple[Recommender, ...] = ()


@dataclass(frozen=True)
class Case:
    as_of: date
    declaration_year: int
    material_deadline: date
    target: Target
    applicant: Applicant


class InvalidCase(DomainError, ValueError):
    """Input that breaks the contract; `errors` maps dotted field paths to Chinese messages."""

    code = "invalid_case"

    def __init__(self, errors: dict[str, str]):
        super().__init__("输入无效", errors=errors)
        self.message = self._one_line()

    def _one_line(self) -> str:
        if not self.errors:
            return "输入无效"
        path, message = next(iter(self.errors.items()))
        line = f"{path}：{message}"
        if len(self.errors) > 1:
            line += f"（另有 {len(self.errors) - 1} 处错误）"
        return " ".join(line.split())

    def __str__(self) -> str:
        return self._one_line()


# --- the reader: one small function per kind of value -------------------------------------------

_MISSING = object()
MSG_REQUIRED = "缺少必填字段"
MSG_DATE = "日期格式应为 YYYY-MM-DD"


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(str(text).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


class _Reader:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, path: str, message: str) -> Any:
        self.errors.setdefault(path, message)
        return _MISSING

    def take(self, obj: dict, key: str, path: str, required: bool) -> Any:
        """The raw value of obj[key]; _MISSING when absent or null (an error if required)."""
        value = obj.get(key)
        if value is None:
            return self.fail(_join(path, key), MSG_REQUIRED) if required else _MISSING
        return value

    def mapping(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            return self.fail(path, "应为对象（JSON object）")
        return value

    def text(self, value: Any, path: str, non_empty: bool = False) -> Any:
        if not isinstance(value, str):
            return self.fail(path, "应为字符串")
        if non_empty and not value.strip():
            return self.fail(path, "不能为空")
        return value

    def boolean(self, value: Any, path: str) -> Any:
        if not isinstance(value, bool):
            return self.fail(path, "应为布尔值（true 或 false）")
        return value

    def year(self, value: Any, path: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            return self.fail(path, "应为整数年份")
        if not MIN_YEAR <= value <= MAX_YEAR:
            return self.fail(path, f"年份应在 {MIN_YEAR} 至 {MAX_YEAR} 之间，实际为 {value}")
        return value

    def amount(self, value: Any, path: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.fail(path, "应为数字")
        if not math.isfinite(value):
            return self.fail(path, "应为有限数字")
        if value < 0:
            return self.fail(path, f"不能为负数，实际为 {_show(value)}")
        return value

    def choice(self, value: Any, path: str, allowed: tuple[str, ...]) -> Any:
        if not isinstance(value, str) or value not in allowed:
            return self.fail(path, f"取值无效：{_show(value)}；可选值：{', '.join(allowed)}")
        return value

    def day(self, value: Any, path: str) -> Any:
        if not isinstance(value, str) or not _DATE_RE.match(value):
            return self.fail(path, MSG_DATE)
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return self.fail(path, f"日期不存在：{value}（{MSG_DATE}，且须为真实日期）")
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            return self.fail(path, f"日期超出可受理的范围：{value}（应在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间）")
        return day

    def items(self, value: Any, path: str, read_item) -> tuple:
        if not isinstance(value, list):
            self.fail(path, "应为列表")
            return ()
        result = []
        for index, raw in enumerate(value):
            item_path = _join(path, index)
            if self.mapping(raw, item_path) is _MISSING:
                continue
            item = read_item(raw, item_path)
            if item is not _MISSING:
                result.append(item)
        return tuple(result)

    def by_year(self, value: Any, path: str, read_value) -> dict:
        if not isinstance(value, dict):
            self.fail(path, "应为对象（以四位年份为键）")
            return {}
        result = {}
        for key, raw in value.items():
            key_path = _join(path, key)
            year = self.year_key(key, key_path)
            entry = read_value(raw, key_path)
            if year is not _MISSING and entry is not _MISSING:
                result[year] = entry
        return result

    def year_key(self, key: Any, path: str) -> Any:
        if isinstance(key, int) and not isinstance(key, bool):
            key = str(key)
        if not isinstance(key, str) or not _YEAR_KEY_RE.match(key):
            return self.fail(path, f"年份键应为四位数字年份（如 2024），实际为 {_show(key)}")
        return int(key)


def _field(reader: _Reader, obj: dict, key: str, path: str, parse, *args, required=False, default=None):
    """Read obj[key] with `parse`; absent/null optional fields give `default`."""
    raw = reader.take(obj, key, path, required)
    if raw is _MISSING:
        return _MISSING if required else default
    return parse(raw, _join(path, key), *args)


def _complete(*values: Any) -> bool:
    return all(value is not _MISSING for value in values)


# --- one reader per part of the case -------------------------------------------------------------


def _read_target(r: _Reader, raw: dict, path: str) -> Any:
    series = _field(r, raw, "series", path, r.text, True, required=True)
    specialty = _field(r, raw, "specialty", path, r.text, default="")
    level = _field(r, raw, "level", path, r.choice, LEVELS, required=True)
    route = _field(r, raw, "route", path, r.choice, ROUTES, required=True)
    if not _complete(series, specialty, level, route):
        return _MISSING
    return Target(series=series, specialty=specialty, level=level, route=route)


def _read_education(r: _Reader, raw: dict, path: str) -> Any:
    degree = _field(r, raw, "degree", path, r.choice, DEGREES, required=True)
    obtained = _field(r, raw, "obtained", path, r.day, required=True)
    full_time = _field(r, raw, "full_time", path, r.boolean, default=False)
    related = _field(r, raw, "related_to_specialty", path, r.boolean, default=False)
    if not _complete(degree, obtained, full_time, related):
        return _MISSING
    return Education(degree=degree, obtained=obtained, full_time=full_time, related_to_specialty=related)


def _read_title(r: _Reader, raw: dict, path: str) -> Any:
    series = _field(r, raw, "series", path, r.text, True, required=True)
    level = _field(r, raw, "level", path, r.choice, LEVELS, required=True)
    obtained = _field(r, raw, "obtained", path, r.day, required=True)
    directed = _field(r, raw, "directed", path, r.boolean, default=False)
    if not _complete(series, level, obtained, directed):
        return _MISSING
    return Title(series=series, level=level, obtained=obtained, directed=directed)


def _read_qualification(r: _Reader, raw: dict, path: str) -> Any:
    name = _field(r, raw, "name", path, r.text, True, required=True)
    obtained = _field(r, raw, "obtained", path, r.day, required=True)
    if not _complete(name, obtained):
        return _MISSING
    return Qualification(name=name, obtained=obtained)


def _read_sanction(r: _Reader, raw: dict, path: str) -> Any:
    kind = _field(r, raw, "kind", path, r.choice, SANCTION_KINDS, required=True)
    when = _field(r, raw, "date", path, r.day, required=True)
    until = _field(r, raw, "until", path, r.day, default=None)
    record = _field(r, raw, "record", path, r.text, default="")
    if not _complete(kind, when, until, record):
        return _MISSING
    if isinstance(until, date) and isinstance(when, date) and until <= when:
        r.fail(_join(path, "until"), f"期满日期 {until.isoformat()} 应晚于记录日期 {when.isoformat()}")
    return Sanction(kind=kind, date=when, until=until, record=record)


def _read_other_declaration(r: _Reader, raw: dict, path: str) -> Any:
    year = _field(r, raw, "year", path, r.year, required=True)
    series = _field(r, raw, "series", path, r.text, default="")
    level = _field(r, raw, "level", path, r.choice, LEVELS, default=None)
    if not _complete(year, series, level):
        return _MISSING
    return OtherDeclaration(year=year, series=series, level=level)


def _read_recommender(r: _Reader, raw: dict, path: str) -> Any:
    name = _field(r, raw, "name", path, r.text, default="")
    level = _field(r, raw, "level", path, r.choice, LEVELS, required=True)
    if not _complete(name, level):
        return _MISSING
    return Recommender(name=name, level=level)


def _read_rating(r: _Reader, raw: Any, path: str) -> Any:
    return r.choice(raw, path, RATINGS)


def _read_hours(r: _Reader, raw: Any, path: str) -> Any:
    if r.mapping(raw, path) is _MISSING:
        return _MISSING
    total = _field(r, raw, "total", path, r.amount, required=True)
    professional = _field(r, raw, "professional", path, r.amount, required=True)
    if not _complete(total, professional):
        return _MISSING
    return ContinuingEducationYear(total=total, professional=professional)


def _read_applicant(r: _Reader, raw: dict, path: str, route: Any) -> Any:
    def f(key, parse, *args, **kwargs):
        return _field(r, raw, key, path, parse, *args, **kwargs)

    values = {
        "sector": f("sector", r.choice, SECTORS, required=True),
        "in_service": f("in_service", r.boolean, default=False),
        "career_start": f("career_start", r.day, required=True),
        "grassroots_since": f("grassroots_since", r.day, default=None),
        "county_health_edu_agri": f("county_health_edu_agri", r.boolean, default=False),
        "township_service_years": f("township_service_years", r.amount, default=0),
        "post_series": f("post_series", r.text, default=""),
        "post_since": f("post_since", r.day, default=None),
        "education": f("education", r.items, lambda v, p: _read_education(r, v, p), default=()),
        "titles": f("titles", r.items, lambda v, p: _read_title(r, v, p), default=()),
        "qualifications": f("qualifications", r.items, lambda v, p: _read_qualification(r, v, p), default=()),
        "assessments": f("assessments", r.by_year, lambda v, p: _read_rating(r, v, p), default={}),
        "continuing_education": f(
            "continuing_education", r.by_year, lambda v, p: _read_hours(r, v, p), default={}
        ),
        "sanctions": f("sanctions", r.items, lambda v, p: _read_sanction(r, v, p), default=()),
        "other_declarations": f(
            "other_declarations", r.items, lambda v, p: _read_other_declaration(r, v, p), default=()
        ),
        "exceptional_recommenders": f(
            "exceptional_recommenders", r.items, lambda v, p: _read_recommender(r, v, p), default=()
        ),
    }
    if route == "transfer" and values["post_since"] is None:
        r.fail(_join(path, "post_since"), f"{MSG_REQUIRED}：转评（route=transfer）须填写现岗位起始日期")
    if not _complete(*values.values()):
        return _MISSING
    return Applicant(**values)


def _refuse_future_facts(r: _Reader, applicant: Applicant, as_of: date) -> None:
    """A fact dated after ``as_of`` cannot have happened yet: bad input naming the field."""
    dated: list[tuple[str, date | None]] = [
        ("applicant.career_start", applicant.career_start),
        ("applicant.grassroots_since", applicant.grassroots_since),
        ("applicant.post_since", applicant.post_since),
    ]
    for key, items, attribute in (
        ("education", applicant.education, "obtained"),
        ("titles", applicant.titles, "obtained"),
        ("qualifications", applicant.qualifications, "obtained"),
        ("sanctions", applicant.sanctions, "date"),
    ):
        dated += [(f"applicant.{key}.{i}.{attribute}", getattr(item, attribute)) for i, item in enumerate(items)]
    for path, day in dated:
        if day is not None and day > as_of:
            r.fail(path, f"日期 {day.isoformat()} 晚于核查日期 as_of（{as_of.isoformat()}），尚未发生的事实不能作为申报依据")


def parse_case(data: Any) -> Case:
    """Validate a JSON-decoded case; raise InvalidCase listing every field that breaks the contract."""
    r = _Reader()
    if not isinstance(data, dict):
        raise InvalidCase({"body": "请求体应为 JSON 对象"})
    as_of = _field(r, data, "as_of", "", r.day, required=True)
    year = _field(r, data, "declaration_year", "", r.year, required=True)
    deadline = _field(r, data, "material_deadline", "", r.day, required=True)
    target = _MISSING
    raw_target = _field(r, data, "target", "", r.mapping, required=True)
    if raw_target is not _MISSING:
        target = _read_target(r, raw_target, "target")
    route = raw_target.get("route") if isinstance(raw_target, dict) else None
    applicant = _MISSING
    raw_applicant = _field(r, data, "applicant", "", r.mapping, required=True)
    if raw_applicant is not _MISSING:
        applicant = _read_applicant(r, raw_applicant, "applicant", route)
    if applicant is not _MISSING and as_of is not _MISSING:
        _refuse_future_facts(r, applicant, as_of)
    if r.errors or not _complete(as_of, year, deadline, target, applicant):
        raise InvalidCase(r.errors or {"body": "输入无效"})
    return Case(
        as_of=as_of, declaration_year=year, material_deadline=deadline, target=target, applicant=applicant
    )
