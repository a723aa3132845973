"""The eligibility self-check form: the facts a person fills in, turned into the contract's case.

The form only reads what was typed; `parse_case` (ELIGIBILITY.md) is the single judge of what is
valid, and its messages are shown beside the field each one came from.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone

from .eligibility import InvalidCase, parse_case
from .eligibility.facts import (
    DEGREE_NAMES,
    LEVEL_NAMES,
    MAX_YEAR,
    MIN_YEAR,
    RATING_NAMES,
    ROUTE_NAMES,
    SANCTION_NAMES,
    SECTOR_NAMES,
)

TITLE_ROWS = (1, 2)
QUALIFICATION_ROWS = (1, 2)
RATING_YEARS_BACK = (3, 2, 1, 0)  # Y-3 .. Y
HOURS_YEARS_BACK = (3, 2, 1)  # Y-3 .. Y-1
MAX_RECOMMENDERS = 50
# The contract's required facts (ELIGIBILITY.md "Input"), marked with * on the page.
REQUIRED_FIELDS = ("declaration_year", "material_deadline", "as_of", "series", "level", "route", "sector",
                   "career_start")

_INTEGER = re.compile(r"^[+-]?[0-9]+$")


def _choices(names: dict[str, str], blank: str = "请选择") -> list[tuple[str, str]]:
    return [("", blank), *names.items()]


class OpenChoiceField(forms.ChoiceField):
    """A select whose value the contract judges (parse_case), so the user reads its message."""

    def valid_value(self, value):
        return True


def _date(label: str, help_text: str = "", **kwargs) -> forms.CharField:
    """A date typed as text: the browser's date picker sends YYYY-MM-DD, parse_case checks it."""
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.CharField(label=label, help_text=help_text, required=False, widget=widget, **kwargs)


def _number(label: str, help_text: str = "", step: str = "any", **kwargs) -> forms.CharField:
    widget = forms.NumberInput(attrs={"step": step, "min": "0", "inputmode": "decimal"})
    return forms.CharField(label=label, help_text=help_text, required=False, widget=widget, **kwargs)


def _choice(label: str, names: dict[str, str], help_text: str = "", blank: str = "请选择", **kwargs):
    return OpenChoiceField(
        label=label, help_text=help_text, required=False, choices=_choices(names, blank), **kwargs
    )


def _flag(label: str, help_text: str = "") -> forms.BooleanField:
    return forms.BooleanField(label=label, help_text=help_text, required=False)


def _current_year() -> int:
    return timezone.localdate().year


# --- reading what was typed (never raises: whatever cannot be read goes to parse_case as typed) ----


def _text(value: Any) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else value
    return value or None


def _whole(value: Any) -> Any:
    value = _text(value)
    if isinstance(value, str) and _INTEGER.match(value) and len(value) <= 12:
        return int(value)
    return value


def _amount(value: Any) -> Any:
    value = _whole(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _year_in_range(value: Any) -> int | None:
    value = _whole(value)
    if isinstance(value, int) and MIN_YEAR <= value <= MAX_YEAR:
        return value
    return None


class EligibilityForm(forms.Form):
    """Facts and target of one applicant; `to_case()` gives the contract's input."""

    use_required_attribute = False  # the contract judges, and live checking must not be blocked

    # 申报目标
    declaration_year = forms.CharField(
        label="申报年度", required=False, initial=_current_year,
        widget=forms.NumberInput(attrs={"min": MIN_YEAR, "max": MAX_YEAR, "step": 1}),
        help_text="任职年限算至该年 12 月 31 日；年度考核、继续教育按该年度往前推算",
    )
    material_deadline = _date("材料收审截止日", "以本年度职称评审通知为准；此日以后取得的学历、职称、资格不计入")
    as_of = _date("核验日期", "按这一天判断处分是否仍在禁止申报期内、初定是否已截止", initial=timezone.localdate)
    series = forms.CharField(label="申报系列", required=False)  # a select from the catalogue, see __init__
    specialty = forms.CharField(
        label="申报专业", required=False, widget=forms.TextInput(attrs={"list": "specialty-options"}),
        help_text="选填，可从所选系列的专业目录中选择",
    )
    level = _choice("申报层级", LEVEL_NAMES)
    route = _choice("申报方式", ROUTE_NAMES, initial="regular",
                    help_text="破格、绿色通道、双定向、转评、初定各有专门条件")

    # 基本情况
    sector = _choice("单位性质", SECTOR_NAMES)
    in_service = _flag("本单位在职在岗的专业技术人员")
    career_start = _date("参加工作时间")
    grassroots_since = _date("基层工作起始日期", "在乡镇及以下基层单位工作的填写，否则留空")
    county_health_edu_agri = _flag("县级医疗卫生、教育、农业机构专业技术人员", "晋升中级前须到乡镇累计服务满 1 年")
    township_service_years = _number("乡镇累计服务年限（年）", "县级医疗卫生、教育、农业机构人员填写", step="0.5")
    post_series = forms.CharField(label="现岗位所属系列", required=False)  # a select, see __init__
    post_since = _date("现岗位起始日期", "转评时必填")

    # 学历（最高学历）
    degree = _choice("最高学历", DEGREE_NAMES)
    degree_obtained = _date("取得时间", "以毕业证书落款日期为准")
    degree_full_time = _flag("全日制")
    degree_related = _flag("所学专业与申报专业一致", "不一致的，首次晋升任职年限增加 2 年")

    # 其他
    sanction_kind = _choice("受处分或认定情况", SANCTION_NAMES, blank="无")
    sanction_date = _date("处分或认定日期")
    other_series = forms.CharField(label="本年度已申报的其他职称：系列", required=False)  # see __init__
    other_level = _choice("本年度已申报的其他职称：层级", LEVEL_NAMES, blank="无")
    senior_recommenders = forms.CharField(
        label="正高级推荐专家人数", required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_RECOMMENDERS, "step": 1}),
        help_text="破格申报时填写：具备正高级职称的同行专家推荐人数",
    )

    LAYOUT = (
        ("申报目标", "", (
            ("", ("declaration_year", "material_deadline", "as_of")),
            ("", ("series", "specialty")),
            ("", ("level", "route")),
        )),
        ("基本情况", "", (
            ("", ("sector", "in_service")),
            ("", ("career_start", "grassroots_since")),
            ("", ("county_health_edu_agri", "township_service_years")),
            ("", ("post_series", "post_since")),
        )),
        ("学历", "只填最高学历。", (
            ("", ("degree", "degree_obtained")),
            ("", ("degree_full_time", "degree_related")),
        )),
        ("现有职称与资格", "没有的留空；只填了一部分的行会提示补全。", (
            *(row for n in TITLE_ROWS for row in (
                (f"职称 {n}", (f"title{n}_series", f"title{n}_level", f"title{n}_obtained")),
                ("", (f"title{n}_directed",)),
            )),
            *((f"职业资格 {n}", (f"qual{n}_name", f"qual{n}_obtained")) for n in QUALIFICATION_ROWS),
        )),
        ("年度考核", "没有考核结果的年度选“无”。", (
            ("", tuple(f"rating_y{k}" for k in RATING_YEARS_BACK)),
        )),
        ("继续教育", "每年的总学时及其中专业科目学时；未填写的年度按无记录核验。", tuple(
            ("", (f"ce_y{k}_total", f"ce_y{k}_professional")) for k in HOURS_YEARS_BACK
        )),
        ("其他", "", (
            ("", ("sanction_kind", "sanction_date")),
            ("", ("other_series", "other_level")),
            ("", ("senior_recommenders",)),
        )),
    )

    def __init__(self, *args, series=None, **kwargs):
        super().__init__(*args, **kwargs)
        if series is None:
            from .selectors import catalogue

            series = list(catalogue())
        self.catalogue = list(series)
        self.series_names = [s.name for s in self.catalogue]
        self.case = None
        self._error_fields: dict[str, str] = {}
        for name, label, required in (
            ("series", "申报系列", True), ("post_series", "现岗位所属系列", False),
            ("other_series", "本年度已申报的其他职称：系列", False),
        ):
            self.fields[name] = self._series_field(label, blank="请选择" if required else "无")
        self.fields["post_series"].help_text = "转评时须与申报系列一致"
        for n in TITLE_ROWS:
            self.fields[f"title{n}_series"] = self._series_field("系列", blank="无")
            self.fields[f"title{n}_level"] = _choice("层级", LEVEL_NAMES, blank="无")
            self.fields[f"title{n}_obtained"] = _date("取得时间")
            self.fields[f"title{n}_directed"] = _flag("双定向职称")
        for n in QUALIFICATION_ROWS:
            self.fields[f"qual{n}_name"] = forms.CharField(
                label="职业资格名称", required=False,
                widget=forms.TextInput(attrs={"list": "qualification-options"}),
                help_text="如 一级注册建造师（可视同相应职称）",
            )
            self.fields[f"qual{n}_obtained"] = _date("取得时间")
        self.year = self._typed_year()
        for k in RATING_YEARS_BACK:
            self.fields[f"rating_y{k}"] = _choice(self._year_label(k, "{year} 年度考核"), RATING_NAMES, blank="无")
        for k in HOURS_YEARS_BACK:
            self.fields[f"ce_y{k}_total"] = _number(self._year_label(k, "{year} 年总学时"))
            self.fields[f"ce_y{k}_professional"] = _number(self._year_label(k, "{year} 年专业科目学时"))
        for name in REQUIRED_FIELDS:  # marked on the page; parse_case still decides
            self.fields[name].contract_required = True
        self.year_fields = [f"rating_y{k}" for k in RATING_YEARS_BACK] + [
            f"ce_y{k}_{part}" for k in HOURS_YEARS_BACK for part in ("total", "professional")
        ]

    # --- building the page ------------------------------------------------------------------------

    def _series_field(self, label: str, blank: str) -> forms.Field:
        if not self.series_names:  # an empty catalogue: type the series
            return forms.CharField(label=label, required=False, help_text="系列目录暂无数据，请直接填写系列名称")
        return OpenChoiceField(label=label, required=False, choices=[("", blank)] + [
            (name, name) for name in self.series_names
        ])

    def _typed_year(self) -> int | None:
        if self.is_bound:
            return _year_in_range(self.data.get(self.add_prefix("declaration_year")))
        return _current_year()

    def _year_label(self, years_back: int, text: str) -> str:
        """A label naming a year counted back from the declaration year ("Y-3" until it is known)."""
        if self.year is None:
            return text.format(year=f"Y-{years_back}" if years_back else "Y")
        return text.format(year=self.year - years_back)

    def groups(self) -> list[dict]:
        """The form in groups of rows of bound fields, for the template."""
        return [
            {"title": title, "hint": hint,
             "rows": [self._row_of(caption, names) for caption, names in rows]}
            for title, hint, rows in self.LAYOUT
        ]

    def _row_of(self, caption: str, names: tuple[str, ...]) -> dict:
        fields = [self[name] for name in names]
        checks_only = all(isinstance(field.field.widget, forms.CheckboxInput) for field in fields)
        return {"caption": caption, "fields": fields, "checks_only": checks_only}

    def describe_field(self, name: str) -> str:
        """The field's label with its row caption ("职称 1 · 系列"), for a list of errors."""
        for _title, _hint, rows in self.LAYOUT:
            for caption, names in rows:
                if name in names and caption:
                    return f"{caption} · {self.fields[name].label}"
        return str(self.fields[name].label)

    def year_bound_fields(self) -> list[forms.BoundField]:
        """The fields whose labels name a year counted back from the declaration year."""
        return [self[name] for name in self.year_fields]

    def specialty_options(self) -> list[str]:
        chosen = self["series"].value()
        for series in self.catalogue:
            if series.name == chosen:
                return [s.name for s in series.specialties.all() if s.is_active]
        return []

    # --- the case -----------------------------------------------------------------------------------

    def clean_senior_recommenders(self):
        value = _whole(self.cleaned_data.get("senior_recommenders"))
        if value is None:
            return 0
        if not isinstance(value, int) or not 0 <= value <= MAX_RECOMMENDERS:
            raise forms.ValidationError(f"应为 0 至 {MAX_RECOMMENDERS} 之间的整数")
        return value

    def _value(self, name: str, path: str, read=_text) -> Any:
        self._error_fields[path] = name
        return read(self.cleaned_data.get(name))

    def to_case(self) -> dict:
        """The contract-shaped case (ELIGIBILITY.md "Input") from what was typed; empty rows left out.

        Required fields left empty are sent as null, so that parse_case names them.
        """
        self._error_fields = {}
        v = self._value
        year = v("declaration_year", "declaration_year", _whole)
        counted_year = _year_in_range(year)
        township_years = v("township_service_years", "applicant.township_service_years", _amount)
        applicant: dict[str, Any] = {
            "sector": v("sector", "applicant.sector"),
            "in_service": bool(v("in_service", "applicant.in_service", bool)),
            "career_start": v("career_start", "applicant.career_start"),
            "grassroots_since": v("grassroots_since", "applicant.grassroots_since"),
            "county_health_edu_agri": bool(v("county_health_edu_agri", "applicant.county_health_edu_agri", bool)),
            "township_service_years": 0 if township_years is None else township_years,
            "post_series": v("post_series", "applicant.post_series") or "",
            "post_since": v("post_since", "applicant.post_since"),
            "education": self._education(),
            "titles": self._titles(),
            "qualifications": self._qualifications(),
            "assessments": self._assessments(counted_year),
            "continuing_education": self._hours(counted_year),
            "sanctions": self._sanctions(),
            "other_declarations": self._other_declarations(year),
            "exceptional_recommenders": [{"level": "senior"}] * self._recommenders(),
        }
        self._error_fields["applicant.exceptional_recommenders"] = "senior_recommenders"
        return {
            "as_of": v("as_of", "as_of"),
            "declaration_year": year,
            "material_deadline": v("material_deadline", "material_deadline"),
            "target": {
                "series": v("series", "target.series"),
                "specialty": v("specialty", "target.specialty") or "",
                "level": v("level", "target.level"),
                "route": v("route", "target.route"),
            },
            "applicant": applicant,
        }

    def _row(self, path: str, fields: dict[str, tuple[str, Any]]) -> dict | None:
        """One list entry from its fields (key → (form field, reader)); None when nothing was typed."""
        typed = {key: self._value(name, f"{path}.{key}", read) for key, (name, read) in fields.items()}
        if all(value in (None, False) for value in typed.values()):
            return None
        self._error_fields[path] = next(iter(fields.values()))[0]
        return typed

    def _entries(self, path: str, rows: list[dict[str, tuple[str, Any]]]) -> list[dict]:
        entries = []
        for fields in rows:
            entry = self._row(f"{path}.{len(entries)}", fields)
            if entry is not None:
                entries.append(entry)
        return entries

    def _education(self) -> list[dict]:
        return self._entries("applicant.education", [{
            "degree": ("degree", _text), "obtained": ("degree_obtained", _text),
            "full_time": ("degree_full_time", bool), "related_to_specialty": ("degree_related", bool),
        }])

    def _titles(self) -> list[dict]:
        rows = [{
            "series": (f"title{n}_series", _text), "level": (f"title{n}_level", _text),
            "obtained": (f"title{n}_obtained", _text), "directed": (f"title{n}_directed", bool),
        } for n in TITLE_ROWS]
        return self._entries("applicant.titles", rows)

    def _qualifications(self) -> list[dict]:
        rows = [{"name": (f"qual{n}_name", _text), "obtained": (f"qual{n}_obtained", _text)}
                for n in QUALIFICATION_ROWS]
        return self._entries("applicant.qualifications", rows)

    def _assessments(self, year: int | None) -> dict[str, str]:
        if year is None:
            return {}
        ratings = {}
        for k in RATING_YEARS_BACK:
            rating = self._value(f"rating_y{k}", f"applicant.assessments.{year - k}")
            if rating is not None:
                ratings[str(year - k)] = rating
        return ratings

    def _hours(self, year: int | None) -> dict[str, dict]:
        if year is None:
            return {}
        hours = {}
        for k in HOURS_YEARS_BACK:
            entry = self._row(f"applicant.continuing_education.{year - k}", {
                "total": (f"ce_y{k}_total", _amount), "professional": (f"ce_y{k}_professional", _amount),
            })
            if entry is not None:
                hours[str(year - k)] = entry
        return hours

    def _sanctions(self) -> list[dict]:
        return self._entries("applicant.sanctions", [{
            "kind": ("sanction_kind", _text), "date": ("sanction_date", _text),
        }])

    def _other_declarations(self, year: Any) -> list[dict]:
        path = "applicant.other_declarations.0"
        series = self._value("other_series", f"{path}.series")
        level = self._value("other_level", f"{path}.level")
        if series is None and level is None:
            return []
        self._error_fields[f"{path}.year"] = "declaration_year"
        self._error_fields[path] = "other_series"
        return [{"year": year, "series": series or "", "level": level}]

    def _recommenders(self) -> int:
        count = self.cleaned_data.get("senior_recommenders")
        return count if isinstance(count, int) else 0

    # --- the judge ----------------------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        try:
            self.case = parse_case(self.to_case())
        except InvalidCase as exc:
            self.case = None
            for path, message in exc.errors.items():
                self._add_contract_error(path, message)
        return cleaned

    def field_for(self, path: str) -> str | None:
        """The form field a contract path came from (the nearest enclosing path that has one)."""
        parts = path.split(".")
        while parts:
            name = self._error_fields.get(".".join(parts))
            if name is not None:
                return name
            parts.pop()
        return None

    def _add_contract_error(self, path: str, message: str) -> None:
        name = self.field_for(path)
        if name is None:
            self.add_error(None, f"{path}：{message}")
            return
        if name in self.errors:  # the form already said what is wrong with this field
            return
        self.add_error(name, self._readable(name, message))

    def _readable(self, name: str, message: str) -> str:
        """Choice messages name the options as the select shows them, not by their codes."""
        field = self.fields[name]
        marker = "；可选值："
        if isinstance(field, forms.ChoiceField) and marker in message:
            labels = "、".join(str(label) for value, label in field.choices if value)
            return message.split(marker)[0] + marker + labels
        return message
