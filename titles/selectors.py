"""Reads shared by pages, the API and commands: the catalogue and the effective rulebook."""

from django.db.models import Q

from .eligibility import DEFAULT_RULEBOOK, Rulebook
from .models import RulebookVersion, Series
from .plan_rules import DEFAULT_PLAN_RULES, PlanRules


def rulebook_layers(*, region_code: str = "", year: int | None = None) -> list[RulebookVersion]:
    """The active layers that apply, least specific first: national (every year, then the year),
    then the region (every year, then the year); the highest version of each."""
    scopes = [("", None), ("", year), (region_code, None), (region_code, year)]
    wanted = []
    for scope in scopes:
        if scope not in wanted and (scope[0] == "" or region_code) and (scope[1] is None or year is not None):
            wanted.append(scope)
    condition = Q()
    for region, scope_year in wanted:
        condition |= Q(region_code=region, year=scope_year) if scope_year is not None else Q(
            region_code=region, year__isnull=True)
    best: dict[tuple, RulebookVersion] = {}
    for layer in RulebookVersion.objects.filter(condition, status=RulebookVersion.Status.ACTIVE):
        key = (layer.region_code, layer.year)
        if key not in best or layer.version > best[key].version:
            best[key] = layer
    return [best[scope] for scope in wanted if scope in best]


def effective_rulebook(*, region_code: str = "", year: int | None = None) -> Rulebook:
    rulebook = DEFAULT_RULEBOOK
    for layer in rulebook_layers(region_code=region_code, year=year):
        rulebook = Rulebook.from_dict(layer.eligibility or {}, base=rulebook)
    return rulebook


def effective_plan_rules(*, region_code: str = "", year: int | None = None) -> PlanRules:
    rules = DEFAULT_PLAN_RULES
    for layer in rulebook_layers(region_code=region_code, year=year):
        rules = PlanRules.from_dict(layer.calendar or {}, base=rules)
    return rules


def catalogue():
    """Series with their title names and specialties, for pages and the API (three queries)."""
    return Series.objects.filter(is_active=True).prefetch_related("title_names", "specialties")


def eligibility_verdict(data) -> dict:
    """Run the eligibility contract on a JSON-decoded case with the rulebook in force for its year
    (and, when the case names one, its ``region_code``). Raises ``InvalidCase`` on bad input."""
    from .eligibility import evaluate, parse_case, verdict_to_dict

    case = parse_case(data)
    region = data.get("region_code") if isinstance(data.get("region_code"), str) else ""
    return verdict_to_dict(evaluate(case, effective_rulebook(region_code=region, year=case.declaration_year)))
