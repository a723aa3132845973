"""Reads shared by pages, the API and commands: the catalogue and the effective rulebook."""

import functools
import re
import threading
from collections.abc import Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from types import MappingProxyType, SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, F, Func, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import MD5, Cast, Coalesce, Concat, JSONObject
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts import request_cache
from accounts.models import Organisation, OrganisationKind, Role
from accounts.permissions import bureau_region_codes, is_system_admin, member_org_ids
from accounts.selectors import visible_organisations
from committees.filing import PlanScope, filing_problems
from config.api import MAX_ID
from config.db_router import primary_reads
from config.prepared import PreparedValues

from .eligibility import DEFAULT_RULEBOOK, InvalidCase, Rulebook, evaluate, parse_case, verdict_to_dict
from .material_rules import DEFAULT_MATERIAL_RULES, overlay_material_rules
from .models import PlanAmendment, PlanPhase, ReviewPlan, RulebookVersion, Series, WorkingDaySchedule
from .pagination import PER_PAGE, Page, page_from_rows
from .plan_rules import DEFAULT_PLAN_RULES, PhaseFacts, PlanFacts, PlanRules, validate_plan
from .workdays import WorkingDayCalendar

REGION_CODE = re.compile(r"[0-9]{6,12}")


def _wanted_scopes(region_code: str, year: int | None) -> list[tuple]:
    scopes = [("", None), ("", year), (region_code, None), (region_code, year)]
    wanted = []
    for scope in scopes:
        if scope not in wanted and (scope[0] == "" or region_code) and (scope[1] is None or year is not None):
            wanted.append(scope)
    return wanted


def _pick_layers(layers, wanted: list[tuple]) -> list:
    best: dict[tuple, object] = {}
    for layer in layers:
        key = (layer.region_code, layer.year)
        if key in wanted and (key not in best or layer.version > best[key].version):
            best[key] = layer
    return [best[scope] for scope in wanted if scope in best]


class RulebookInForce:
    """The rulebook made of some layers (least specific first): the eligibility numbers, the plan calendar's
    rules, the citations and the material table, each overlaid and parsed on first use, then kept."""

    def __init__(self, layers):
        self.layers = tuple(layers)

    def _overlaid(self, start, part: str, overlay):
        """``start`` with each layer's ``part`` laid over it, least specific first."""
        for layer in self.layers:
            start = overlay(start, getattr(layer, part) or {})
        return start

    @functools.cached_property
    def eligibility(self) -> Rulebook:
        return self._overlaid(DEFAULT_RULEBOOK, "eligibility", lambda base, data: Rulebook.from_dict(data, base=base))

    @functools.cached_property
    def plan_rules(self) -> PlanRules:
        return self._overlaid(DEFAULT_PLAN_RULES, "calendar", lambda base, data: PlanRules.from_dict(data, base=base))

    @functools.cached_property
    def citations(self) -> Mapping[str, str]:
        """Rule code → the document that decides it, overlaid like the numbers (the most specific wins)."""
        return MappingProxyType(self._overlaid({}, "citations", lambda base, data: {**base, **data}))

    @functools.cached_property
    def materials(self) -> Mapping:
        """The material table in force: the default, overlaid by each layer's ``materials``."""
        return self._overlaid(DEFAULT_MATERIAL_RULES, "materials", overlay_material_rules)

    @functools.cached_property
    def summary(self) -> list[dict]:
        """Which layers these are, as the submitted version records them."""
        return [{"id": layer.pk, "name": layer.name, "region_code": layer.region_code, "year": layer.year,
                 "version": layer.version} for layer in self.layers]


_in_force_read = ContextVar("rulebook_in_force_read", default=None)


@contextmanager
def one_rulebook_read():
    """Inside, ``rulebook_for`` reads the layers of each (region, year) once: one action (a submit
    asks for the eligibility numbers, the material table and the citations) sees one rulebook, read once."""
    token = _in_force_read.set({})
    try:
        yield
    finally:
        _in_force_read.reset(token)


def rulebook_for(*, region_code: str = "", year: int | None = None, layers: list[dict] | None = None
                 ) -> RulebookInForce:
    """The active layers that apply, least specific first: national (every year, then the year), then the
    region (every year, then the year); the highest version of each. One query of which layers these are and
    a fingerprint of their contents; the layers are parsed once per process for each set of fingerprints, so
    a layer activated, retired or changed in any way is used by the next read. ``layers``: those rows (pk,
    region_code, year, version, fingerprint; ``active_layers``), when another query read them already."""
    memo = _in_force_read.get()
    if memo is not None and (region_code, year) in memo:
        return memo[(region_code, year)]
    if layers is None:
        layers = _ACTIVE_LAYERS.rows(shape=(region_code, year))
    in_force = _PARSED.get(_pick_layers([SimpleNamespace(**row) for row in layers], _wanted_scopes(region_code, year)))
    if memo is not None:
        memo[(region_code, year)] = in_force
    return in_force


class _ParsedRulebooks:
    """Rulebooks by the (id, fingerprint) of their layers, kept per process (a few per region and year)."""

    MAX = 256

    def __init__(self):
        self._parsed: dict[tuple, RulebookInForce] = {}
        self._lock = threading.Lock()

    def get(self, picked: list) -> RulebookInForce:
        key = tuple((row.pk, row.fingerprint) for row in picked)
        found = self._parsed.get(key)
        if found is None:  # read with their fingerprints again: a layer changed in between is not kept
            layers = RulebookVersion.objects.annotate(fingerprint=_fingerprint()).in_bulk([pk for pk, _ in key])
            found = RulebookInForce(layers[pk] for pk, _ in key if pk in layers)
            if tuple((layer.pk, layer.fingerprint) for layer in found.layers) == key:
                with self._lock:
                    if len(self._parsed) >= self.MAX:
                        self._parsed.clear()
                    self._parsed[key] = found
        return found


_PARSED = _ParsedRulebooks()
_CONTENT = ("name", "region_code", "year", "version", "eligibility", "calendar", "materials", "citations")


class _Fingerprint(Func):
    """What tells a layer's contents apart, computed by the database. On PostgreSQL the version of its row: the
    transaction that wrote it and its place in the table (``xmin``, ``ctid``), which every UPDATE replaces, even
    a second one in the same transaction, as a row version is never changed in place; read without turning the
    layer's JSON into text (md5 of it was ≈ 0.13 ms of PostgreSQL's CPU for each page and submit that reads
    which layers are in force). Elsewhere md5 of its scope, version, name and JSON as text."""

    output_field = TextField()

    def __init__(self):
        super().__init__(F("pk"), MD5(Concat(*(Cast(name, TextField()) for name in _CONTENT),
                                             output_field=TextField())))

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[1])

    def as_postgresql(self, compiler, connection, **extra_context):
        pk, params = compiler.compile(self.source_expressions[0])  # <the layer's table or alias>."id"
        row = pk.rsplit(".", 1)[0]
        return f"({row}.xmin::text || ',' || {row}.ctid::text)", params


def _fingerprint():
    return _Fingerprint()


def active_layers(region_code, year) -> QuerySet:
    """The active layers that may apply to a (region, year), as ``rulebook_for`` takes them: ``region_code`` and
    ``year`` may be expressions (inside a query of many lists, ``declarations.selectors.applicant_rows``)."""
    return RulebookVersion.objects.filter(
        Q(region_code="") | Q(region_code=region_code), Q(year__isnull=True) | Q(year=year),
        status=RulebookVersion.Status.ACTIVE).annotate(fingerprint=_fingerprint())


LAYER_FIELDS = ("pk", "region_code", "year", "version", "fingerprint")


def active_layer_rows(region_code, year) -> tuple[QuerySet, dict]:
    """``active_layers`` as a list of a ``config.json_rows.JsonRows`` query (rows as ``rulebook_for`` takes them
    in ``layers``): which layers are in force, read with the other lists of a page or an action."""
    return active_layers(region_code, year).order_by("pk"), {field: field for field in LAYER_FIELDS}
# one SQL per region and year (a few in a process): composing it costs the ORM ~1.5 ms of CPU, running it < 0.5 ms
_ACTIVE_LAYERS = PreparedValues(lambda region_code, year: active_layers(region_code, year).values(*LAYER_FIELDS))


class RulesByScope:
    """Plan rules and citations for many (region, year) scopes from one query of the active layers:
    for set-based work (the deadline sweeps) over plans of many regions and years."""

    def __init__(self):
        self._layers = list(RulebookVersion.objects.filter(status=RulebookVersion.Status.ACTIVE))
        self._in_force: dict[tuple, RulebookInForce] = {}

    def _of(self, region_code: str, year: int | None) -> RulebookInForce:
        key = (region_code or "", year)
        if key not in self._in_force:
            self._in_force[key] = RulebookInForce(_pick_layers(self._layers, _wanted_scopes(*key)))
        return self._in_force[key]

    def plan_rules(self, region_code: str, year: int | None) -> PlanRules:
        return self._of(region_code, year).plan_rules

    def largest(self, key: str) -> int:
        """The largest value of a numeric ``PlanRules`` field over every active layer and the default."""
        values = [getattr(DEFAULT_PLAN_RULES, key)]
        values += [layer.calendar[key] for layer in self._layers
                   if isinstance((layer.calendar or {}).get(key), int)]
        return max(values)

    def citations(self, region_code: str, year: int | None) -> Mapping[str, str]:
        return self._of(region_code, year).citations


def effective_rulebook(*, region_code: str = "", year: int | None = None) -> Rulebook:
    return rulebook_for(region_code=region_code, year=year).eligibility


def rulebooks_version() -> str:
    """One version for every rulebook layer, replaced whenever a layer is saved or deleted and at every
    ``migrate`` (``titles.catalogue.connect``)."""
    return request_cache.scoped("zc:rulebooks:v")


_kept_rulebooks: dict[tuple, tuple[str, Rulebook]] = {}  # (region, year) → (rulebooks' version, rulebook)


def kept_rulebook(*, region_code: str = "", year: int | None = None) -> Rulebook:
    """``effective_rulebook``, kept in this process while the rulebooks' version in the shared cache stays the
    same (one round trip to Redis instead of reading and parsing the layers: the public self-check API). The
    version is read before the layers, so a change committed meanwhile is read on the next call. Without a
    shared cache, or when it cannot be reached, the layers are read each time."""
    version = request_cache.current_version(rulebooks_version())
    if version is None:
        return effective_rulebook(region_code=region_code, year=year)
    kept = _kept_rulebooks.get((region_code, year))
    if kept is not None and kept[0] == version:
        return kept[1]
    with primary_reads():  # kept under the version: read no older than it
        rulebook = effective_rulebook(region_code=region_code, year=year)
    if len(_kept_rulebooks) >= 1000:  # regions × years asked of this process
        _kept_rulebooks.clear()
    _kept_rulebooks[(region_code, year)] = (version, rulebook)
    return rulebook


def effective_plan_rules(*, region_code: str = "", year: int | None = None) -> PlanRules:
    return rulebook_for(region_code=region_code, year=year).plan_rules


def effective_citations(*, region_code: str = "", year: int | None = None) -> Mapping[str, str]:
    """Rule code → the document that decides it, overlaid like the numbers (the most specific wins)."""
    return rulebook_for(region_code=region_code, year=year).citations


def plan_citations(plan) -> Mapping[str, str]:
    return effective_citations(region_code=plan.organisation.region_code, year=plan.year)


def region_of(user) -> str:
    """The region whose rulebook a signed-in user's checks follow: that of their first organisation."""
    if not user.is_authenticated:
        return ""
    return next((m.organisation.region_code for m in user.memberships() if m.organisation.region_code), "")


def effective_material_rules(*, region_code: str = "", year: int | None = None) -> Mapping:
    """The material table in force: the default, overlaid by each active layer's ``materials``."""
    return rulebook_for(region_code=region_code, year=year).materials


def stored_calendar() -> WorkingDayCalendar:
    """The working-day calendar with the bureau's stored schedules (they win for their years)."""
    return WorkingDayCalendar({s.year: s.as_schedule() for s in WorkingDaySchedule.objects.all()})


def add_working_days(day, n: int):
    return stored_calendar().add(day, n)


def count_working_days(start, end) -> int:
    return stored_calendar().count(start, end)


def is_working_day(day) -> bool:
    return stored_calendar().is_workday(day)


def publicity_end(start, n: int):
    return stored_calendar().publicity_end(start, n)


def catalogue():
    """Series with their title names and specialties, for pages and the API (three queries)."""
    return Series.objects.filter(is_active=True).prefetch_related("title_names", "specialties")


def eligibility_verdict(data, *, rulebook_in_force=effective_rulebook) -> dict:
    """Run the eligibility contract on a JSON-decoded case with the rulebook in force for its year
    (and, when the case names one, its ``region_code``). Raises ``InvalidCase`` on bad input.
    ``rulebook_in_force``: ``kept_rulebook`` where no transaction is open (the self-check API)."""
    case = parse_case(data)
    region = data.get("region_code") or ""
    if region and not (isinstance(region, str) and REGION_CODE.fullmatch(region)):
        raise InvalidCase({"region_code": f"行政区划代码应为 6 至 12 位数字，实际为 {region!r}"[:200]})
    return verdict_to_dict(evaluate(case, rulebook_in_force(region_code=region, year=case.declaration_year)))


def access_plan(actor, pk, *, for_update: bool = False):
    """The gate between a plan id and the plan: 404 when absent, 403 when a signed-in actor may not
    see it; a draft is 404 for the signed-out public (its existence is not public either)."""
    queryset = ReviewPlan.objects.select_related("organisation", "committee__series", "series")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    plan = get_object_or_404(queryset, pk=pk)
    if not actor.has_perm("titles.view_plan", plan):
        if not actor.is_authenticated:
            raise Http404("没有这个评审方案")
        raise PermissionDenied("您无权查看该评审方案")
    return plan


# The published plan's page (titles.views.plan_detail): compiled once per process (config/prepared.py). On
# PostgreSQL one statement, the phases and amendments as arrays of JSON objects beside the plan's row; elsewhere
# (the embedded SQLite) three.
_PAGE_FIELDS = ("pk", "year", "name", "status", "organisation_id", "document_number", "issued_on", "document",
                "organisation__name", "committee__name", "series__name")
_PHASE_FIELDS = ("kind", "start", "end")
_AMENDMENT_FIELDS = ("number", "reason", "created_at", "actor__real_name", "actor__username")


def _page_phases(pk):
    return PlanPhase.objects.filter(plan_id=pk).order_by("start", "pk")


def _page_amendments(pk):
    return PlanAmendment.objects.filter(plan_id=pk).order_by("number")


def _page_plan_with_rows(pk):
    from django.contrib.postgres.expressions import ArraySubquery

    return ReviewPlan.objects.filter(pk=pk).annotate(
        phase_rows=ArraySubquery(_page_phases(OuterRef("pk")).values(row=JSONObject(**{f: f for f in _PHASE_FIELDS}))),
        amendment_rows=ArraySubquery(_page_amendments(OuterRef("pk")).values(
            row=JSONObject(**{f: f for f in _AMENDMENT_FIELDS}))),
    ).values(*_PAGE_FIELDS, "phase_rows", "amendment_rows")


_PAGE_PLAN = PreparedValues(lambda pk: ReviewPlan.objects.filter(pk=pk).values(*_PAGE_FIELDS))
_PAGE_PLAN_WITH_ROWS = PreparedValues(_page_plan_with_rows)
_PAGE_PHASES = PreparedValues(lambda pk: _page_phases(pk).values(*_PHASE_FIELDS))
_PAGE_AMENDMENTS = PreparedValues(lambda pk: _page_amendments(pk).values(*_AMENDMENT_FIELDS))


def _page_rows(pk):
    """(plan, phases, amendments) as plain rows, or None when there is no such plan."""
    if connection.vendor != "postgresql":
        found = _PAGE_PLAN.rows(pk)
        return (found[0], _PAGE_PHASES.rows(pk), _PAGE_AMENDMENTS.rows(pk)) if found else None
    found = _PAGE_PLAN_WITH_ROWS.rows(pk)
    if not found:
        return None
    plan = found[0]
    phases = [{"kind": p["kind"], "start": date.fromisoformat(p["start"]), "end": date.fromisoformat(p["end"])}
              for p in plan.pop("phase_rows")]
    amendments = [{**a, "created_at": datetime.fromisoformat(a["created_at"])} for a in plan.pop("amendment_rows")]
    return plan, phases, amendments


def published_plan_page(actor, pk):
    """A published plan's page as plain rows: (plan, phases, amendments), the plan with its bureau's,
    committee's and series' names, the amendments with their authors' names. None when the plan is absent or
    not published: the page then goes through ``access_plan`` (404, 403, a draft's rule check)."""
    found = _page_rows(pk) if pk <= MAX_ID else None  # a larger id is no row (SQLite cannot compare it)
    if not found or found[0]["status"] != ReviewPlan.Status.PUBLISHED:
        return None
    plan, phases, amendments = found
    gate = ReviewPlan(pk=plan["pk"], year=plan["year"], name=plan["name"], status=plan["status"],
                      organisation_id=plan["organisation_id"])
    if not actor.has_perm("titles.view_plan", gate):  # published plans are public: the same rule as access_plan
        raise PermissionDenied("您无权查看该评审方案")
    plan["title"] = str(gate)
    return plan, phases, amendments


def plan_facts(plan, phases=None):
    phases = plan.phases.all() if phases is None else phases
    return PlanFacts(
        year=plan.year,
        issued_on=plan.issued_on,
        phases=tuple(PhaseFacts(kind=p.kind, start=p.start, end=p.end) for p in phases),
    )


def plan_problems(plan, facts=None):
    """Every calendar rule the plan breaks, then its committee's filing (empty: it may be published)."""
    facts = facts or plan_facts(plan)
    rules = effective_plan_rules(region_code=plan.organisation.region_code, year=plan.year)
    return [*validate_plan(facts, rules, stored_calendar().count), *committee_problems(plan, facts)]


def committee_problems(plan, facts):
    """COMMITTEE_FILING: is the plan's committee filed, in force today and on the meeting dates, and
    filed for the plan's series, specialties and levels?"""
    meetings = [p for p in facts.phases if p.kind == "review_meetings"]
    scope = PlanScope(series=plan.series.name, specialties=frozenset(s.name for s in plan.specialties.all()),
                      levels=frozenset(plan.levels or ()),
                      meetings=(meetings[0].start, meetings[0].end) if meetings else None)
    return filing_problems(plan.committee.filing(), scope, today=timezone.localdate())


def _plan_reach(actor) -> tuple[bool, list[int]]:
    """(sees every plan, the bureaus whose drafts the actor sees): the system admin sees all; everyone else
    every published plan and the drafts of the bureaus where they are a bureau reviewer."""
    if is_system_admin(actor):
        return True, []
    return False, sorted(member_org_ids(actor, {Role.BUREAU_REVIEWER}))


def _plans_within(everything: bool, bureaus):
    queryset = ReviewPlan.objects.order_by("-year", "name", "pk")  # read in the order of index plan_list_order
    if everything:
        return queryset
    return queryset.filter(Q(status=ReviewPlan.Status.PUBLISHED) | Q(organisation_id__in=bureaus))


def _plans_visible_to(actor):
    """Plans the actor may see: every published plan; drafts only for the issuing bureau's reviewers."""
    return _plans_within(*_plan_reach(actor))


def visible_plans(actor):
    """The plans the actor may see, with what the API shows of each (phases and amendments)."""
    return _plans_visible_to(actor).select_related("organisation", "committee", "series").prefetch_related(
        "phases", "amendments")


LIST_PHASES = ("declaration", "review_meetings")


def _phase_date(kind: str, field: str) -> Subquery:
    return Subquery(PlanPhase.objects.filter(plan=OuterRef("pk"), kind=kind).values(field)[:1])


def _plan_list_rows(*values):
    """The plan list's page as a ``values()`` queryset (prepared below): ``values`` are the bureaus whose
    drafts the actor sees (``_plan_reach``), then the shape: every plan or not, how many bureaus, the page."""
    *bureaus, everything, _count, number = values
    queryset = _plans_within(everything, bureaus)
    dates = {f"{kind}_{field}": _phase_date(kind, field) for kind in LIST_PHASES for field in ("start", "end")}
    amendments = Subquery(PlanAmendment.objects.filter(plan=OuterRef("pk")).order_by().values("plan")
                          .annotate(n=Count("pk")).values("n")[:1])
    start = (number - 1) * PER_PAGE
    return queryset.annotate(amendment_count=Coalesce(amendments, 0), **dates).values(
        "pk", "year", "name", "status", "committee__name", "amendment_count", *dates)[start:start + PER_PAGE + 1]


_PLAN_LIST = PreparedValues(_plan_list_rows)


def plan_list_page(actor, *, number: int) -> Page:
    """One page of the plan list as plain rows (values, not model instances: the page shows five facts of
    20 plans): pk, year, name, status, committee__name, amendment_count and the LIST_PHASES as (start, end).
    One query after the actor's roles, whatever the number of plans: the phase dates and the count are
    correlated subqueries on indexed keys, evaluated for the rows of the page only; its SQL is compiled once
    per process and page number (config/prepared.py)."""
    everything, bureaus = _plan_reach(actor)
    page = page_from_rows(_PLAN_LIST.rows(*bureaus, shape=(bool(everything), len(bureaus), number)), number)
    for row in page.rows:
        row["phases"] = {kind: (row[f"{kind}_start"], row[f"{kind}_end"]) if row[f"{kind}_start"] else None
                         for kind in LIST_PHASES}
    return page


def _api_plan_rows(*values):
    """The plans API's page as a ``values()`` queryset (prepared below; ``values`` as in ``_plan_list_rows``)."""
    *bureaus, everything, _count, number = values
    start = (number - 1) * PER_PAGE
    return _plans_within(everything, bureaus).values(
        "pk", "year", "name", "organisation_id", "committee_id", "committee__name", "series_id", "series__name",
        "levels", "document_number", "issued_on", "status", "published_at", "document")[start:start + PER_PAGE + 1]


def _api_plan_rows_with_parts(*values):
    """``_api_plan_rows`` with each plan's phases and amendments as arrays of JSON objects (PostgreSQL)."""
    from django.contrib.postgres.expressions import ArraySubquery

    phases = PlanPhase.objects.filter(plan_id=OuterRef("pk")).order_by("start", "pk")
    amendments = PlanAmendment.objects.filter(plan_id=OuterRef("pk")).order_by("number")
    return _api_plan_rows(*values).annotate(
        phase_rows=ArraySubquery(phases.values(row=JSONObject(kind="kind", start="start", end="end"))),
        amendment_rows=ArraySubquery(amendments.values(row=JSONObject(
            number="number", reason="reason", before="before", after="after", created_at="created_at"))))


_API_PLANS = PreparedValues(_api_plan_rows)
_API_PLANS_WITH_PARTS = PreparedValues(_api_plan_rows_with_parts)
# the phases and amendments of a page's plans, in the models' order (start; number), as prefetch_related reads
_API_PHASES = PreparedValues(lambda *values: PlanPhase.objects.filter(plan_id__in=values[:-1]).values(
    "plan_id", "kind", "start", "end"))
_API_AMENDMENTS = PreparedValues(lambda *values: PlanAmendment.objects.filter(plan_id__in=values[:-1]).values(
    "plan_id", "number", "reason", "before", "after", "created_at"))


def plan_api_page(actor, *, number: int) -> tuple[Page, dict, dict]:
    """One page of ``visible_plans`` for the plans API as plain rows, with the phases and amendments of its
    plans by plan id: one statement on PostgreSQL, three elsewhere, whatever the number of plans, compiled once
    per process (config/prepared.py). Phase dates are dates or, from PostgreSQL's JSON, ISO strings."""
    everything, bureaus = _plan_reach(actor)
    shape = (bool(everything), len(bureaus), number)
    if connection.vendor == "postgresql":  # one statement: the parts beside each plan
        page = page_from_rows(_API_PLANS_WITH_PARTS.rows(*bureaus, shape=shape), number)
        phases = {row["pk"]: row.pop("phase_rows") for row in page.rows}
        amendments = {row["pk"]: [{**a, "created_at": datetime.fromisoformat(a["created_at"])}
                                  for a in row.pop("amendment_rows")] for row in page.rows}
        return page, phases, amendments
    page = page_from_rows(_API_PLANS.rows(*bureaus, shape=shape), number)
    ids = [row["pk"] for row in page.rows]
    phases, amendments = {}, {}
    if ids:
        for row in _API_PHASES.rows(*ids, shape=(len(ids),)):
            phases.setdefault(row["plan_id"], []).append(row)
        for row in _API_AMENDMENTS.rows(*ids, shape=(len(ids),)):
            amendments.setdefault(row["plan_id"], []).append(row)
    return page, phases, amendments


# --- the admin console's lists (the same gates as pages and the API) -----------------------------


def managed_plans(actor):
    """Plans in the admin console: the system admin sees all; a bureau reviewer those issued by its bureau
    or a bureau below it (a province sees its cities'); changing one is the issuing bureau's (edit_plan)."""
    queryset = ReviewPlan.objects.select_related("organisation", "committee", "series")
    if is_system_admin(actor):
        return queryset
    if not member_org_ids(actor, {Role.BUREAU_REVIEWER}):
        return queryset.none()
    return queryset.filter(organisation__in=visible_organisations(actor).values("pk"))


def managed_amendments(actor):
    return PlanAmendment.objects.select_related("plan", "actor").filter(plan__in=managed_plans(actor).values("pk"))


def visible_rulebooks(actor):
    """National layers (region_code "") for everyone; regional layers of the bureau reviewer's region."""
    queryset = RulebookVersion.objects.all()
    if is_system_admin(actor):
        return queryset
    return queryset.filter(Q(region_code="") | Q(region_code__in=bureau_region_codes(actor)))


def plan_issuers(actor):
    """Organisations the actor may issue a plan for: HR bureaus where they are a bureau reviewer."""
    queryset = Organisation.objects.filter(kind=OrganisationKind.HR_BUREAU)
    if is_system_admin(actor):
        return queryset
    return queryset.filter(pk__in=member_org_ids(actor, {Role.BUREAU_REVIEWER}))


def access_rulebook(actor, pk, *, for_update: bool = False) -> RulebookVersion:
    """The gate between a rulebook version id and the version: 404 when absent or out of the actor's reach."""
    queryset = visible_rulebooks(actor)
    if for_update:
        queryset = queryset.select_for_update()
    return get_object_or_404(queryset, pk=pk)


def plan_document_name(plan_id: int, version: int) -> str:
    """The storage name of a plan's PDF for one version (0: as published, n: after the n-th amendment)."""
    return f"plans/plan-{plan_id}-{version}.pdf"


def plan_document_pending(plan) -> bool:
    """A published plan whose PDF for its current version is not rendered yet (“PDF 生成中”)."""
    if plan.status != ReviewPlan.Status.PUBLISHED:
        return False
    return plan.document.name != plan_document_name(plan.pk, len(plan.amendments.all()))
