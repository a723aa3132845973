"""Reads shared by pages, the API and commands: the catalogue and the effective rulebook."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from accounts.models import Role
from accounts.permissions import is_system_admin, member_org_ids

from .eligibility import DEFAULT_RULEBOOK, Rulebook, evaluate, parse_case, verdict_to_dict
from .models import PlanAmendment, PlanPhase, ReviewPlan, RulebookVersion, Series
from .pagination import Page, page_of
from .plan_rules import DEFAULT_PLAN_RULES, PhaseFacts, PlanFacts, PlanRules, validate_plan
from .workdays import stored_calendar


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
    case = parse_case(data)
    region = data.get("region_code") if isinstance(data.get("region_code"), str) else ""
    return verdict_to_dict(evaluate(case, effective_rulebook(region_code=region, year=case.declaration_year)))


def access_plan(actor, pk, *, for_update: bool = False):
    """The gate between a plan id and the plan: 404 when absent, 403 when the actor may not see it."""
    queryset = ReviewPlan.objects.select_related("organisation", "committee", "series")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    plan = get_object_or_404(queryset, pk=pk)
    if not actor.has_perm("titles.view_plan", plan):
        raise PermissionDenied("您无权查看该评审方案")
    return plan


def plan_facts(plan, phases=None):
    phases = plan.phases.all() if phases is None else phases
    return PlanFacts(
        year=plan.year,
        issued_on=plan.issued_on,
        phases=tuple(PhaseFacts(kind=p.kind, start=p.start, end=p.end) for p in phases),
    )


def plan_problems(plan, facts=None):
    """Every calendar rule the plan breaks (empty: it may be published)."""
    rules = effective_plan_rules(region_code=plan.organisation.region_code, year=plan.year)
    return validate_plan(facts or plan_facts(plan), rules, stored_calendar().count)


def _plans_visible_to(actor):
    """Plans the actor may see: every published plan; drafts only for the issuing bureau's reviewers."""
    queryset = ReviewPlan.objects.order_by("-year", "name", "pk")  # read in the order of index plan_list_order
    if is_system_admin(actor):
        return queryset
    return queryset.filter(Q(status=ReviewPlan.Status.PUBLISHED)
                           | Q(organisation_id__in=member_org_ids(actor, {Role.BUREAU_REVIEWER})))


def visible_plans(actor):
    """The plans the actor may see, with what the API shows of each (phases and amendments)."""
    return _plans_visible_to(actor).select_related("organisation", "committee", "series").prefetch_related(
        "phases", "amendments")


LIST_PHASES = ("declaration", "review_meetings")


def _phase_date(kind: str, field: str) -> Subquery:
    return Subquery(PlanPhase.objects.filter(plan=OuterRef("pk"), kind=kind).values(field)[:1])


def plan_list_page(actor, *, number: int) -> Page:
    """One page of the plan list as plain rows (values, not model instances: the page shows five facts of
    20 plans): pk, year, name, status, committee__name, amendment_count and the LIST_PHASES as (start, end).
    One query after the actor's roles, whatever the number of plans: the phase dates and the count are
    correlated subqueries on indexed keys, evaluated for the rows of the page only."""
    dates = {f"{kind}_{field}": _phase_date(kind, field) for kind in LIST_PHASES for field in ("start", "end")}
    amendments = Subquery(PlanAmendment.objects.filter(plan=OuterRef("pk")).order_by().values("plan")
                          .annotate(n=Count("pk")).values("n")[:1])
    queryset = _plans_visible_to(actor).annotate(amendment_count=Coalesce(amendments, 0), **dates).values(
        "pk", "year", "name", "status", "committee__name", "amendment_count", *dates)
    page = page_of(queryset, number)
    for row in page.rows:
        row["phases"] = {kind: (row[f"{kind}_start"], row[f"{kind}_end"]) if row[f"{kind}_start"] else None
                         for kind in LIST_PHASES}
    return page
