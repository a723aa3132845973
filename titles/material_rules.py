"""Which materials a declaration takes, per series: rulebook data plus one pure function.

The table maps a series name (or ``"*"`` for every series) to material kinds, each with a code, a
label, whether it is required, and when it applies (``when``: a condition code below, or none).
A rulebook layer overrides it like the other tables: by series, then by kind code; ``null`` removes.
Seeds: 002 二(一) (材料清单 per series), 002 五(六) (纪律处分审查表 from every applicant),
002 一(一)5 (基层服务登记审核表), 003 7 (一事一议 for the green channel), 002 一(二)1 (破格推荐).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CONDITIONS = {
    "holds_title": "已取得职称的",
    "sector_public": "机关事业单位、国有企业的",
    "continuing_education": "须核查继续教育学时的（绿色通道、初定除外）",
    "township": "县级及以下卫生、教育、农业单位申报中级的",
    "route_exceptional": "破格申报的",
    "route_green_channel": "绿色通道申报的",
    "route_transfer": "转评的",
}


@dataclass(frozen=True)
class MaterialKind:
    code: str
    label: str
    required: bool
    when: str | None = None
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "required": self.required}


@dataclass(frozen=True)
class DeclarationFacts:
    """What the conditions read about one declaration."""

    series: str
    level: str
    route: str
    sector: str
    holds_title: bool
    county_health_edu_agri: bool


def _kind(code, label, required=True, when=None, source=""):
    return {"label": label, "required": required, "when": when, "source": source, "code": code}


DEFAULT_MATERIAL_RULES: dict[str, dict[str, dict]] = {
    "*": {k["code"]: k for k in (
        _kind("id_card", "居民身份证"),
        _kind("education", "学历（学位）证书"),
        _kind("current_title", "现职称证书（或职业资格证书）", when="holds_title"),
        _kind("assessment", "近年年度考核结果", when="sector_public", source="001 三(三)"),
        _kind("continuing_education", "继续教育学时证明", when="continuing_education", source="002 四(三)"),
        _kind("achievements", "业绩成果材料（代表作在前）", source="003 4"),
        _kind("discipline_review", "受纪律处分情况审查表", source="002 五(六)"),
        _kind("township_service", "基层服务登记审核表", when="township", source="002 一(一)5"),
        _kind("exceptional_recommendation", "破格推荐专家推荐书", when="route_exceptional", source="002 一(二)1"),
        _kind("green_channel_approval", "一事一议批准文件", when="route_green_channel", source="003 7"),
        _kind("transfer_post", "现岗位聘用证明", when="route_transfer", source="001 三(四)"),
        _kind("other", "其他材料", required=False),
    )},
}


def overlay_material_rules(base: Mapping, patch: Mapping) -> dict:
    """A layer over the table: by series, then by kind code; ``None`` removes the entry. ``base`` is left as it
    is: a series the layer changes is copied (one level), every kind it changes is a new dict."""
    merged = dict(base)
    for series, kinds in (patch or {}).items():
        if kinds is None:
            merged.pop(series, None)
            continue
        if not isinstance(kinds, Mapping):
            raise ValueError(f"申报材料目录无效：{series} 应为对象（材料代码 → 要求）")
        table = merged[series] = dict(merged.get(series, {}))
        for code, kind in kinds.items():
            if kind is None:
                table.pop(code, None)
            elif not isinstance(kind, Mapping) or not str(kind.get("label", "")).strip():
                raise ValueError(f"申报材料目录无效：{series}.{code} 须有名称（label）")
            elif kind.get("when") not in (None, *CONDITIONS):
                raise ValueError(f"申报材料目录无效：{series}.{code} 的适用条件 {kind.get('when')!r} 未定义")
            else:
                table[code] = {**table.get(code, {}), **dict(kind), "code": code}
    return merged


def _applies(when: str | None, facts: DeclarationFacts) -> bool:
    return {
        None: True,
        "holds_title": facts.holds_title,
        "sector_public": facts.sector == "public",
        "continuing_education": facts.route not in ("green_channel", "initial"),
        "township": facts.county_health_edu_agri and facts.level == "intermediate",
        "route_exceptional": facts.route == "exceptional",
        "route_green_channel": facts.route == "green_channel",
        "route_transfer": facts.route == "transfer",
    }[when]


def _series_table(rules: Mapping, series: str) -> dict:
    """The series' table over the common one."""
    return {**rules.get("*", {}), **rules.get(series, {})}


def kind_labels(rules: Mapping, series: str) -> dict[str, str]:
    """Each kind's name in the series' table (a material's kind as people read it)."""
    return {code: kind["label"] for code, kind in _series_table(rules, series).items()}


def material_kinds(rules: Mapping, facts: DeclarationFacts) -> list[MaterialKind]:
    """The kinds this declaration takes: the series' table over the common one, where they apply."""
    kinds = []
    for code, kind in _series_table(rules, facts.series).items():
        if _applies(kind.get("when"), facts):
            kinds.append(MaterialKind(code=code, label=kind["label"], required=bool(kind.get("required", True)),
                                      when=kind.get("when"), source=kind.get("source", "")))
    return kinds
