"""Reads shared by pages and the API: the gates, lists, the eligibility facts and material kinds."""

from datetime import date
from types import SimpleNamespace

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import CreditRecord, Role
from accounts.permissions import OVERSEEING_ROLES, is_system_admin, member_org_ids
from accounts.selectors import gated_object, visible_organisation_ids
from config.clock import today
from config.json_rows import JsonRows
from config.lookups import AnyOf
from titles.material_rules import DeclarationFacts, material_kinds
from titles.selectors import effective_material_rules, rulebook_layers

from .flow import SERVICE_ONLY, State, actions_from
from .models import Declaration, DeclarationVersion, Material, Profile
from .permissions import may_take


def _declarations() -> QuerySet[Declaration]:
    return Declaration.objects.select_related("applicant", "employer", "plan", "series", "specialty")


VIEW_REFUSAL = "您无权查看该申报"


def may_view(actor, declaration) -> bool:
    """The check of ``access_declaration`` (and of the declaration's page, ``declarations.page``)."""
    return actor.has_perm("declarations.view_declaration", declaration)


def access_declaration(actor, pk, *, for_update: bool = False, with_related: tuple[str, ...] = ()) -> Declaration:
    """The gate between a declaration id and the declaration: 404 when absent, 403 when not visible
    (``with_related``: more relations to read in the same query)."""
    return gated_object(_declarations().select_related(*with_related), pk, for_update=for_update,
                        allowed=lambda declaration: may_view(actor, declaration), refusal=VIEW_REFUSAL)


def _reviewed_scope(actor) -> Q | None:
    """Where the actor reviews: the employers they handle or administer and the organisations they
    oversee (``Q()``: everywhere, for the system admin); None when they review nowhere."""
    if is_system_admin(actor):
        return Q()
    if not member_org_ids(actor, {Role.EMPLOYER_HANDLER} | set(OVERSEEING_ROLES)):
        return None
    employers = member_org_ids(actor, {Role.EMPLOYER_HANDLER, Role.EMPLOYER_ADMIN})
    if member_org_ids(actor, OVERSEEING_ROLES):
        employers |= visible_organisation_ids(actor)
    return Q(AnyOf(F("employer_id"), sorted(employers)))  # one array parameter, not one per employer


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
    scope = _reviewed_scope(actor) if actor.is_authenticated else None
    if scope is None:
        return Declaration.objects.none()
    return (_declarations().filter(scope, submitted_at__isnull=False).exclude(state=State.DRAFT)
            .exclude(applicant=actor).order_by("-submitted_at", "-pk"))


QUEUE_COUNT_CAP = 1000


def queue_counts(queryset) -> dict[str, int]:
    """Declarations per state in the queue, each counted up to ``QUEUE_COUNT_CAP`` (shown as "1000+"):
    one query whose cost does not grow with the data (each state stops at the cap, through the
    (employer, state) index), where an exact count of 500,000 rows would cost more than the page."""
    marker = "\x00state"  # compiled once; each state's part reuses the SQL with its own parameter
    sql, template = (queryset.filter(state=marker).order_by().values("state")[:QUEUE_COUNT_CAP]
                     .query.sql_with_params())
    states = [code for code in State.values if code != State.DRAFT]
    params = [code if p == marker else p for code in states for p in template]
    with connection.cursor() as cursor:
        parts = " UNION ALL ".join(f"SELECT state FROM ({sql}) AS part{i}" for i in range(len(states)))
        cursor.execute(f"SELECT state, COUNT(*) FROM ({parts}) AS capped GROUP BY state", params)
        return dict(cursor.fetchall())


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
    from titles.models import PlanPhase

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
    }


def applicant_rows(declaration, profile: Profile, *, as_of=None) -> dict[str, list[dict]]:
    """Every list of the applicant and the declaration that a submit reads (education, titles, … the
    materials), as plain rows, in one round trip on PostgreSQL (an array of JSON rows per list, the SQL
    compiled once: composing it costs the ORM ~9 ms of CPU, the query < 1 ms) where the lists cost a query
    each otherwise (issue 20: 16 queries of the submit). Dates are ISO strings."""
    rows = _APPLICANT_ROWS.read(declaration=declaration.pk, applicant=declaration.applicant_id, profile=profile.pk,
                                plan=declaration.plan_id, as_of=as_of or today())
    if "_declaration_window" not in declaration.plan.__dict__:  # read with the lists: ``declaration_window``
        declaration.plan._declaration_window = next(
            ((date.fromisoformat(p["start"]), date.fromisoformat(p["end"])) for p in rows["declaration_phase"]), None)
    return rows


def _applicant_lists(m):
    return Profile.objects.filter(pk=m.profile), _row_specs(
        SimpleNamespace(pk=m.declaration, applicant_id=m.applicant, plan_id=m.plan), m.ref, m.as_of)


_APPLICANT_ROWS = JsonRows(_applicant_lists, outer="profile",
                           numbers=("declaration", "applicant", "profile", "plan"), dates=("as_of",))


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
    return [{"id": layer.pk, "name": layer.name, "region_code": layer.region_code, "year": layer.year,
             "version": layer.version}
            for layer in rulebook_layers(region_code=declaration.plan.organisation.region_code,
                                         year=declaration.year)]


def available_actions(actor, declaration) -> list[str]:
    """The action codes this actor may take now: the transition table's rows, held to the actor (the
    committee's verdict is carried out by closing its meeting, never offered here)."""
    return [t.action for t in actions_from(declaration.state)
            if t.action not in SERVICE_ONLY and may_take(actor, declaration, t)]
