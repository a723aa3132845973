"""Reads shared by pages and the API: the gates, lists, the eligibility facts and material kinds."""

import functools
from datetime import date
from types import SimpleNamespace

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from accounts.models import CreditRecord, Role
from accounts.permissions import OVERSEEING_ROLES, is_system_admin, member_org_ids
from accounts.selectors import gated_object, visible_organisation_ids
from config.api import MAX_ID
from config.clock import today
from config.json_rows import JsonRows
from config.lookups import AnyOf
from config.prepared import PreparedObjects, PreparedValues
from titles.material_rules import DeclarationFacts, kind_labels, material_kinds
from titles.selectors import active_layer_rows, effective_material_rules, rulebook_for

from .flow import SERVICE_ONLY, State, actions_from
from .models import Declaration, DeclarationVersion, Material, Profile, QueueCount, QueueTotal
from .permissions import may_take


def _declarations() -> QuerySet[Declaration]:
    return Declaration.objects.select_related("applicant", "employer", "plan", "series", "specialty")


def access_declaration(actor, pk, *, for_update: bool = False, with_related: tuple[str, ...] = (),
                       fetch=None) -> Declaration:
    """The gate between a declaration id and the declaration: 404 when absent, 403 when not visible
    (``with_related``: more relations to read in the same query; ``fetch(pk, for_update)``: the declaration
    read another way, None when absent, e.g. with everything its page shows: ``declarations.page``)."""
    return gated_object(Declaration, pk, for_update=for_update,  # read by ``fetch``: no queryset to build
                        allowed=lambda declaration: actor.has_perm("declarations.view_declaration", declaration),
                        refusal="您无权查看该申报",
                        fetch=fetch or functools.partial(_read_declaration, with_related=with_related))


def _one_declaration(pk, for_update, *with_related):
    queryset = _declarations().select_related(*with_related).filter(pk=pk)
    return queryset.select_for_update(of=("self",)) if for_update else queryset


# every action locks its declaration, every page reads one: composing that query cost the ORM ~1 ms of CPU
_DECLARATION = PreparedObjects(_one_declaration)


def _read_declaration(pk, for_update: bool, *, with_related: tuple[str, ...]) -> Declaration | None:
    pk = int(pk) if isinstance(pk, str) and pk.isdigit() else pk
    if not isinstance(pk, int) or not 0 < pk <= MAX_ID:
        return None  # no row has such an id
    found = _DECLARATION.objects(pk, shape=(for_update, *with_related))
    return found[0] if found else None


def reviewed_employers(actor) -> list[int] | None:
    """The employers whose declarations the actor reviews: those they handle or administer and every
    organisation under those they oversee (None: everywhere, for the system admin); ``[]`` when they
    review nowhere."""
    if is_system_admin(actor):
        return None
    if not member_org_ids(actor, {Role.EMPLOYER_HANDLER} | set(OVERSEEING_ROLES)):
        return []
    employers = member_org_ids(actor, {Role.EMPLOYER_HANDLER, Role.EMPLOYER_ADMIN})
    if member_org_ids(actor, OVERSEEING_ROLES):
        employers |= visible_organisation_ids(actor)
    return sorted(employers)


def _employer_in(employers) -> Q:
    """``employer_id`` among ``employers`` (a list: one array parameter, not one per employer), or equal to
    one employer (an id: then the queue is read in the order of ``declaration_employer_queue``, where
    ``= ANY`` of one value kept PostgreSQL on the whole site's order), or anywhere (None)."""
    if employers is None:
        return Q()
    if isinstance(employers, list):
        return Q(AnyOf(F("employer_id"), employers))
    return Q(employer_id=employers)


def queue_scope(employers: list[int] | None) -> tuple:
    """``reviewed_employers`` as the arguments of the queue's prepared queries: nothing (everywhere), the
    one employer's id, or the list."""
    if employers is None:
        return ()
    return (employers[0],) if len(employers) == 1 else (employers,)


def _reviewed_scope(actor) -> Q | None:
    """Where the actor reviews as a filter (``Q()``: everywhere); None when they review nowhere."""
    employers = reviewed_employers(actor)
    return None if employers == [] else _employer_in(employers)


def visible_declarations(actor) -> QuerySet[Declaration]:
    """The actor's own declarations, and submitted ones of the organisations they look after."""
    queryset = _declarations().order_by("-year", "-pk")
    if not actor.is_authenticated:
        return queryset.none()
    own = Q(applicant=actor)
    scope = _reviewed_scope(actor)
    if scope is None:
        return queryset.filter(own)
    return queryset.filter(own | (scope & ~Q(state=State.DRAFT)))


def review_queue(actor) -> QuerySet[Declaration]:
    """The reviewers' queue: submitted declarations of others where the actor reviews, the latest
    submission first (partial indexes ``declaration_queue`` and ``declaration_employer_queue``). A draft
    withdrawn before it was ever submitted is not in it: staff see a declaration once it is submitted."""
    employers = reviewed_employers(actor) if actor.is_authenticated else []
    if employers == []:
        return Declaration.objects.none()
    scope = queue_scope(employers)
    return queue_within(scope[0] if scope else None, actor.pk)


def queue_within(employers, actor_id) -> QuerySet[Declaration]:
    """``review_queue`` of the reviewer ``actor_id`` over ``employers`` (None, one id or a list: an element of
    ``queue_scope``), by values: the queue page prepares it once per process with stand-ins
    (``reviews.selectors.queue_page``)."""
    return (_declarations().filter(_employer_in(employers), submitted_at__isnull=False)
            .exclude(state=State.DRAFT).exclude(applicant_id=actor_id).order_by("-submitted_at", "-pk"))


def _queue_count_rows(actor_id, *scope):
    """The counts of ``queue_counts`` as a ``values()`` queryset (prepared below; ``scope``: ``queue_scope``),
    each row with how many of the reviewer's own submitted declarations are there (rare: a handler who
    declares; an uncorrelated subquery, evaluated once): those are not in their queue, so not in its counts.
    Everywhere (the system admin), or over a list of employers that holds every organisation (a province's
    bureau: checked in the same statement, so in the same snapshot as the figures), the site's totals
    (``QueueTotal``: a row per state); else the sums of ``QueueCount`` over the employers."""
    employers = scope[0] if scope else None
    within = _employer_in(employers)
    own = Coalesce(Subquery(Declaration.objects.filter(within, applicant_id=actor_id, submitted_at__isnull=False)
                            .order_by().values("applicant_id").annotate(n=Count("pk")).values("n")), 0)
    totals = QueueTotal.objects.exclude(state=State.DRAFT).order_by().values("state", "n").annotate(own=own)
    if employers is None:
        return totals
    sums = (QueueCount.objects.filter(within).exclude(state=State.DRAFT).order_by().values("state")
            .annotate(n=Sum("n"), own=own))
    if not isinstance(employers, list):
        return sums
    from accounts.models import Organisation

    everywhere = ~Exists(Organisation.objects.filter(~Q(AnyOf(F("pk"), employers))))
    return totals.filter(everywhere).union(sums.filter(~everywhere), all=True)


_QUEUE_COUNTS = PreparedValues(_queue_count_rows, literal_arrays=True)  # as the queue's page (reviews.selectors)


def queue_counts(actor, employers: list[int] | None) -> dict[str, int]:
    """Declarations per state in the actor's queue, exact, in one query whose cost does not grow with the
    declarations: the sums of ``QueueCount`` (one row per employer and state, kept by triggers in the same
    transaction as every write of a declaration, so never stale) over the employers the actor reviews; a
    second (the states of their own declarations there) only for a reviewer who has declared there.
    ``employers``: the actor's ``reviewed_employers``."""
    if employers == []:
        return {}
    rows = _QUEUE_COUNTS.rows(actor.pk, *queue_scope(employers))
    counts = {row["state"]: row["n"] for row in rows}
    if any(row["own"] for row in rows):
        own = Declaration.objects.filter(_employer_in(employers), applicant_id=actor.pk,
                                         submitted_at__isnull=False).exclude(state=State.DRAFT)
        for state in own.values_list("state", flat=True):
            counts[state] -= 1
    return {state: n for state, n in counts.items() if n > 0}


def access_material(actor, pk) -> Material:
    """A material of a declaration the actor may see, or one an expert reviews in an open meeting."""
    from committees.selectors import reviews_as_expert

    material = get_object_or_404(Material.objects.select_related("declaration"), pk=pk)
    if not reviews_as_expert(actor, material.declaration_id):
        access_declaration(actor, material.declaration_id)
    return material


def declaration_materials(declaration) -> QuerySet[Material]:
    """The declaration's materials, each flagged when its checksum is attached to another applicant's
    declaration too (002 三(二) 材料预警)."""
    return materials_of(declaration.pk, declaration.applicant_id)


def materials_of(declaration_id, applicant_id) -> QuerySet[Material]:
    """``declaration_materials`` by ids (or expressions, inside a query of many lists)."""
    elsewhere = Material.objects.filter(sha256=OuterRef("sha256")).exclude(declaration__applicant_id=applicant_id)
    return (Material.objects.filter(declaration_id=declaration_id).annotate(duplicate_elsewhere=Exists(elsewhere))
            .order_by("kind", "pk"))


def declaration_versions(declaration) -> QuerySet[DeclarationVersion]:
    return declaration.versions.order_by("number")


def profile_of(user) -> Profile:
    profile, _ = Profile.objects.select_related("post_series").get_or_create(user=user)
    return profile


def _row_specs(declaration, profile_ref, as_of) -> dict[str, tuple[QuerySet, dict]]:
    """What the eligibility input, the material table and the submitted version read besides the profile
    itself: name → (the rows in their model's order, the fields of each row)."""
    from titles.models import PlanPhase, ReviewPlan

    from .models import (
        Achievement,
        Assessment,
        ContinuingEducation,
        Education,
        ExceptionalRecommender,
        HeldTitle,
        Qualification,
        Sanction,
        WorkPeriod,
    )

    def of_profile(model):
        return model.objects.filter(profile_id=profile_ref)

    day_fields = {"obtained": "obtained"}
    return {
        "education": (of_profile(Education), {"degree": "degree", "full_time": "full_time",
                                              "related_to_specialty": "related_to_specialty", **day_fields}),
        "titles": (of_profile(HeldTitle), {"series": "series__name", "level": "level", "directed": "directed",
                                           **day_fields}),
        "qualifications": (of_profile(Qualification), {"name": "name", **day_fields}),
        "assessments": (of_profile(Assessment), {"year": "year", "rating": "rating"}),
        "continuing_education": (of_profile(ContinuingEducation), {"year": "year", "total": "total",
                                                                    "professional": "professional"}),
        "sanctions": (of_profile(Sanction), {"kind": "kind", "date": "date"}),
        "work_history": (of_profile(WorkPeriod), {"employer": "employer_name", "post": "post", "start": "start",
                                                  "end": "end"}),
        "achievements": (of_profile(Achievement), {"kind": "kind", "title": "title", "date": "date",
                                                   "description": "description",
                                                   "representative": "representative"}),
        "credit_records": (CreditRecord.objects.filter(subject_id=declaration.applicant_id,
                                                       kind=CreditRecord.Kind.APPLICANT, starts_on__lte=as_of)
                           .order_by("starts_on", "pk"),
                           {"pk": "pk", "starts_on": "starts_on", "expires_on": "expires_on", "reason": "reason",
                            "basis": "basis"}),
        "other_declarations": (Declaration.objects.filter(applicant_id=declaration.applicant_id)
                               .exclude(pk=declaration.pk).exclude(state=State.WITHDRAWN),
                               {"year": "year", "series": "series__name", "level": "level"}),
        "recommenders": (ExceptionalRecommender.objects.filter(declaration_id=declaration.pk).order_by("pk"),
                         {"name": "name", "level": "level"}),
        "materials": (Material.objects.filter(declaration_id=declaration.pk).order_by("kind", "pk"),
                      {"id": "pk", "kind": "kind", "name": "display_name", "size": "size", "sha256": "sha256"}),
        "declaration_phase": (PlanPhase.objects.filter(plan_id=declaration.plan_id, kind="declaration"),
                              {"start": "start", "end": "end"}),
        # which rulebook layers are in force for the declaration (parsed once per process: titles.selectors)
        "rulebook_layers": active_layer_rows(
            Subquery(ReviewPlan.objects.filter(pk=declaration.plan_id).values("organisation__region_code")),
            Subquery(Declaration.objects.filter(pk=declaration.pk).values("year"))),
    }


def applicant_rows(declaration, profile: Profile | None = None, *, as_of=None) -> dict:
    """The applicant's profile and every list of the applicant and the declaration that a submit reads
    (education, titles, … the materials), as plain rows, in one round trip on PostgreSQL (an array of JSON rows
    per list beside the profile's row, the SQL compiled once: composing it costs the ORM ~9 ms of CPU, the query
    < 1 ms) where the lists cost a query each otherwise (issue 20: 16 queries of the submit). Dates are ISO
    strings; ``"profile"``: the ``Profile`` (with its ``post_series``' name), or ``profile`` when given. Which
    rulebook layers are in force is read in the same query and handed to ``titles.selectors.rulebook_for`` (inside
    ``one_rulebook_read``, the action's later reads of the rulebook make no query)."""
    values = {"declaration": declaration.pk, "applicant": declaration.applicant_id, "plan": declaration.plan_id,
              "as_of": as_of or today()}
    rows = _APPLICANT_ROWS.read(**values)
    if rows["row"] is None:  # no profile yet: made empty, as every page makes it
        profile = profile or profile_of(declaration.applicant)
        rows = _APPLICANT_ROWS.read(**values)
    rows["profile"] = profile or _profile(rows["row"])
    del rows["row"]
    rulebook_for(region_code=declaration.plan.organisation.region_code, year=declaration.year,
                 layers=rows.pop("rulebook_layers"))  # kept for the action (titles.selectors.one_rulebook_read)
    if "_declaration_window" not in declaration.plan.__dict__:  # read with the lists: ``declaration_window``
        declaration.plan._declaration_window = next(
            ((date.fromisoformat(p["start"]), date.fromisoformat(p["end"])) for p in rows["declaration_phase"]), None)
    return rows


_PROFILE_FIELDS = tuple(field.attname for field in Profile._meta.concrete_fields)


def _profile(row: dict) -> Profile:
    from titles.models import Series

    profile = Profile.from_db(connection.alias, _PROFILE_FIELDS, [row[name] for name in _PROFILE_FIELDS])
    if profile.post_series_id is not None:
        profile.post_series = Series(pk=profile.post_series_id, name=row["post_series__name"])
    return profile


def _applicant_lists(m):
    return Profile.objects.filter(user_id=m.applicant), _row_specs(
        SimpleNamespace(pk=m.declaration, applicant_id=m.applicant, plan_id=m.plan), m.ref, m.as_of)


_APPLICANT_ROWS = JsonRows(_applicant_lists, numbers=("declaration", "applicant", "plan"), dates=("as_of",),
                           fields=(*_PROFILE_FIELDS, "post_series__name"))


def sector_of(declaration) -> str:
    """The eligibility contract's sector: from the employer; individuals served by the bureau are flexible."""
    if declaration.employer.kind != "employer":
        return "flexible"
    return declaration.employer.sector


def kinds_for(declaration, profile: Profile | None = None, *, rows: dict | None = None):
    """The material kinds of the declaration (``rows``: the ``applicant_rows`` when already read)."""
    profile = profile or profile_of(declaration.applicant)
    holds_title = (bool(rows["titles"] or rows["qualifications"]) if rows is not None
                   else profile.titles.exists() or profile.qualifications.exists())
    facts = DeclarationFacts(
        series=declaration.series.name, level=declaration.level, route=declaration.route,
        sector=sector_of(declaration), holds_title=holds_title,
        county_health_edu_agri=profile.county_health_edu_agri,
    )
    rules = effective_material_rules(region_code=declaration.plan.organisation.region_code, year=declaration.year)
    return material_kinds(rules, facts)


def material_labels(declaration, *, region_code: str | None = None, layers: list[dict] | None = None
                    ) -> dict[str, str]:
    """The names of the declaration's material kinds in its rulebook (``kind_labels``), as its page shows them
    (``region_code`` and ``layers``: the plan's region and the rulebook layers in force, when already read)."""
    if region_code is None:
        region_code = declaration.plan.organisation.region_code
    rules = rulebook_for(region_code=region_code, year=declaration.year, layers=layers)
    return kind_labels(rules.materials, declaration.series.name if declaration.series else "")


def declaration_window(plan):
    """(start, end) of the plan's declaration phase, or None; read once per plan object (a submit asks
    for it twice: the eligibility input and the window check)."""
    if "_declaration_window" not in plan.__dict__:
        plan._declaration_window = next(((phase.start, phase.end) for phase in plan.phases.all()
                                         if phase.kind == "declaration"), None)
    return plan._declaration_window


def eligibility_case(declaration, profile: Profile, *, as_of=None, rows: dict | None = None) -> dict:
    """The eligibility contract's input (ELIGIBILITY.md) built from a profile and a declaration (``rows``:
    the ``applicant_rows`` when already read, for the same ``as_of``)."""
    as_of = as_of or today()
    rows = rows if rows is not None else applicant_rows(declaration, profile, as_of=as_of)
    window = declaration_window(declaration.plan)
    material_deadline = window[1] if window else as_of

    def day(value):
        return value.isoformat() if value else None

    def keep(name, *keys):
        return [{key: row[key] for key in keys} for row in rows[name]]

    return {
        "as_of": as_of.isoformat(),
        "declaration_year": declaration.year,
        "material_deadline": material_deadline.isoformat(),
        "region_code": declaration.plan.organisation.region_code,
        "target": {"series": declaration.series.name,
                   "specialty": declaration.specialty.name if declaration.specialty else "",
                   "level": declaration.level, "route": declaration.route},
        "applicant": {
            "sector": sector_of(declaration),
            "in_service": profile.in_service,
            "career_start": day(profile.career_start),
            "grassroots_since": day(profile.grassroots_since),
            "county_health_edu_agri": profile.county_health_edu_agri,
            "township_service_years": float(profile.township_service_years),
            "post_series": profile.post_series.name if profile.post_series else "",
            "post_since": day(profile.post_since),
            "education": keep("education", "degree", "obtained", "full_time", "related_to_specialty"),
            "titles": keep("titles", "series", "level", "obtained", "directed"),
            "qualifications": keep("qualifications", "name", "obtained"),
            "assessments": {str(a["year"]): a["rating"] for a in rows["assessments"]},
            "continuing_education": {str(c["year"]): {"total": c["total"], "professional": c["professional"]}
                                     for c in rows["continuing_education"]},
            "sanctions": keep("sanctions", "kind", "date") + [_credit_sanction(r) for r in rows["credit_records"]],
            "other_declarations": keep("other_declarations", "year", "series", "level"),
            "exceptional_recommenders": keep("recommenders", "name", "level"),
        },
    }


def _credit_sanction(row: dict) -> dict:
    """A credit record (诚信档案, 001 四(四)) as the BAN rule reads it: a breach of kind ``fraud`` that ends on
    the record's own expiry and names the record. Records from after ``as_of`` are left out (the check looks
    at that day, see ``_row_specs``); expired ones stay and are shown as expired."""
    record = CreditRecord(pk=row["pk"], reason=row["reason"], basis=row["basis"])
    return {"kind": "fraud", "date": row["starts_on"], "until": row["expires_on"], "record": record.description()}


def rulebook_in_force(declaration) -> list[dict]:
    """The rulebook layers the verdict used, for the submitted version."""
    in_force = rulebook_for(region_code=declaration.plan.organisation.region_code, year=declaration.year)
    return [dict(layer) for layer in in_force.summary]


def available_actions(actor, declaration) -> list[str]:
    """The action codes this actor may take now: the transition table's rows, held to the actor (the
    committee's verdict is carried out by closing its meeting, never offered here)."""
    return [t.action for t in actions_from(declaration.state)
            if t.action not in SERVICE_ONLY and may_take(actor, declaration, t)]
