"""Reads of the review chain: verifications in force, the diff of two versions, the open return; the
results' publications (the bureau's and the public's), their objections and the yearly data report."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import is_system_admin, member_org_ids
from accounts.selectors import gated_object
from config.api import MAX_ID
from config.clock import today
from config.prepared import PreparedValues
from titles.pagination import PER_PAGE, Page, page_from_rows

from .models import (
    CorrectionNotice,
    LateStep,
    MaterialVerification,
    Objection,
    ResultApproval,
    ResultPublication,
)


def latest_verifications(declaration) -> dict[int, MaterialVerification]:
    """Material id → its latest verification (one query)."""
    latest: dict[int, MaterialVerification] = {}
    rows = MaterialVerification.objects.filter(material__declaration=declaration).order_by("material_id", "-pk")
    for row in rows:
        latest.setdefault(row.material_id, row)
    return latest


def open_correction(declaration) -> CorrectionNotice | None:
    return declaration.corrections.filter(resubmitted_at__isnull=True).order_by("-pk").first()


def queue_rows(queryset) -> QuerySet:
    """The queue's rows as plain dicts with only what the table shows (number, applicant, unit, what is
    declared, state, version, submitted, whether a unit publicity may be pushed): three joins instead of
    the six of the declaration with its relations, and no model instances (issue 20)."""
    from django.db.models import Exists, OuterRef

    from .models import Recommendation

    ready = Recommendation.objects.filter(declaration=OuterRef("pk"), ready_on__isnull=False)
    return queryset.annotate(push_ready=Exists(ready)).values(
        "pk", "state", "year", "level", "route", "version", "submitted_at", "push_ready",
        "applicant__real_name", "applicant__username", "employer__name", "series__name")


def _queue_page_rows(actor_id, *scope):
    """One page of the unfiltered queue as ``queue_rows`` (prepared below): ``scope`` is
    ``declarations.selectors.queue_scope``, then the page number."""
    from declarations.selectors import queue_within

    *employers, number = scope
    start = (number - 1) * PER_PAGE
    return queue_rows(queue_within(employers[0] if employers else None, actor_id))[start:start + PER_PAGE + 1]


# the employers written into the statement's text: planned once per scope and page, not at every execution
_QUEUE_PAGE = PreparedValues(_queue_page_rows, literal_arrays=True)


def queue_page(actor, employers: list[int] | None, *, number: int) -> Page:
    """Page ``number`` of the actor's unfiltered queue (``review_queue``) as labelled rows: one query, its
    SQL compiled once per process and page number (config/prepared.py), where the ORM composed it anew for each
    request (issue 20); the employers an array literal in its text, so that PostgreSQL keeps its plan (as an
    array parameter of the bureau's 209 employers it planned the statement again at every execution, 0.7 ms of
    its 0.9). ``InvalidPage`` past the last page.
    ``employers``: the actor's ``declarations.selectors.reviewed_employers``."""
    from declarations.selectors import queue_scope

    if employers == []:
        return page_from_rows([], number)
    rows = _QUEUE_PAGE.rows(actor.pk, *queue_scope(employers), shape=(number,))
    return label_queue_rows(page_from_rows(rows, number))


def label_queue_rows(page: Page) -> Page:
    """Add what the table prints (applicant, level, route, state, the submission's local time) to the
    rows of ``queue_rows``, in Python: 20 rows through the template's ``date`` filter cost about 1 ms."""
    from declarations.flow import State
    from declarations.models import ROUTES
    from titles.models import Level

    states, levels, routes = dict(State.choices), dict(Level.choices), dict(ROUTES)
    for row in page.rows:
        submitted = row["submitted_at"]
        row["submitted"] = f"{timezone.localtime(submitted):%Y-%m-%d %H:%M}" if submitted else ""
        row["applicant_name"] = row["applicant__real_name"] or row["applicant__username"]
        row["state_label"] = states.get(row["state"], row["state"])
        row["level_label"] = levels.get(row["level"], row["level"])
        row["route_label"] = routes.get(row["route"], row["route"])
    return page


def _flatten(value, prefix: str, out: dict) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        out[prefix] = value
    else:
        out[prefix] = value


def version_diff(older: dict | None, newer: dict) -> dict:
    """What changed between two submitted versions, field by field and material by material.

    Answers ``{"fields": [{"about", "before", "after"}], "materials": [{"about", "kind", "change",
    "before", "after"}]}``; ``about`` is what a return item names (``profile.career_start``,
    ``material:<kind>``)."""
    older = older or {}
    before, after = {}, {}
    for part in ("declaration", "profile"):
        _flatten(older.get(part, {}), part, before)
        _flatten(newer.get(part, {}), part, after)
    fields = [{"about": key, "before": before.get(key), "after": after.get(key)}
              for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]

    def by_kind(snapshot):
        table: dict[str, set] = {}
        for material in snapshot.get("materials", []):
            table.setdefault(material["kind"], set()).add((material["name"], material["sha256"]))
        return table

    old_materials, new_materials = by_kind(older), by_kind(newer)
    materials = []
    for kind in sorted(set(old_materials) | set(new_materials)):
        was, now = old_materials.get(kind, set()), new_materials.get(kind, set())
        if was != now:
            change = "added" if not was else "removed" if not now else "replaced"
            materials.append({"about": f"material:{kind}", "kind": kind, "change": change,
                              "before": sorted(name for name, _ in was), "after": sorted(name for name, _ in now)})
    return {"fields": fields, "materials": materials}


def changed_abouts(declaration) -> set[str] | None:
    """What the last correction changed (the diff of the last two versions), or None when there is
    only one version."""
    versions = list(declaration.versions.order_by("-number")[:2])
    if len(versions) < 2:
        return None
    diff = version_diff(versions[1].snapshot, versions[0].snapshot)
    return {row["about"] for row in diff["fields"]} | {row["about"] for row in diff["materials"]}


# --- results: publications, objections, the yearly report -----------------------------------------


def _publications() -> QuerySet[ResultPublication]:
    return ResultPublication.objects.select_related("meeting__plan__series", "meeting__committee__organiser",
                                                    "published_by")


def visible_publications(actor) -> QuerySet[ResultPublication]:
    """Publications of the meetings whose committee a bureau reviewer (or auditor) oversees: at or below
    the committee's organiser; everything for the system admin."""
    queryset = _publications().order_by("-starts_on", "-pk")
    if not actor.is_authenticated:
        return queryset.none()
    if is_system_admin(actor):
        return queryset
    from accounts.selectors import visible_organisations

    if not member_org_ids(actor, {Role.BUREAU_REVIEWER, Role.AUDITOR}):
        return queryset.none()
    return queryset.filter(meeting__committee__organiser__in=visible_organisations(actor).values("pk"))


def _id(pk) -> int:
    """A row id from a URL or a form, or 404 (PostgreSQL cannot even compare a number past bigint)."""
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk <= MAX_ID:
        raise Http404("没有该对象")
    return pk


def access_publication(actor, pk, *, for_update: bool = False) -> ResultPublication:
    pk = _id(pk)
    return gated_object(_publications(), pk, for_update=for_update,
                        allowed=lambda publication: visible_publications(actor).filter(pk=publication.pk).exists(), refusal="您无权查看该评审结果公示")


def publication_declarations(publication):
    """The publication's declarations with what the bureau's page shows (one query)."""
    return (publication.declarations.select_related("applicant", "employer", "series", "specialty")
            .order_by("employer__name", "pk"))


def publication_approvals(publication) -> list[ResultApproval]:
    return list(publication.approvals.select_related("filing", "approved_by")
                .prefetch_related("declarations").order_by("approved_on", "pk"))


def publishable_meetings(actor):
    """Closed meetings the actor oversees that have passed declarations and no publication yet."""
    from committees.models import MeetingStatus
    from committees.selectors import visible_meetings
    from declarations.flow import State

    return (visible_meetings(actor).filter(status=MeetingStatus.CLOSED, result_publication__isnull=True,
                                           assignments__declaration__state=State.RESULTS_PUBLICITY)
            .distinct().order_by("-held_on", "-pk"))


def public_publications() -> QuerySet[ResultPublication]:
    """Publications whose 公示 runs today (the public page lists nothing else)."""
    now = today()
    return (ResultPublication.objects.filter(starts_on__lte=now, ends_on__gte=now)
            .select_related("meeting__committee", "meeting__plan__series")
            .annotate(entry_count=Count("declarations")).order_by("-starts_on", "-pk"))


def public_publication(pk) -> ResultPublication:
    """A publication as the public sees it: only while its 公示 runs (404 before and after)."""
    return get_object_or_404(public_publications(), pk=_id(pk))


PUBLIC_FIELDS = ("pk", "applicant__real_name", "employer__name", "series__name", "specialty__name", "level")


def public_entries(publication) -> list[dict]:
    """Name, unit, series (and specialty), level: nothing more personal leaves the database."""
    from titles.models import Level

    rows = publication.declarations.order_by("employer__name", "pk").values(*PUBLIC_FIELDS)
    return [{"id": r["pk"], "name": r["applicant__real_name"], "unit": r["employer__name"],
             "series": r["series__name"], "specialty": r["specialty__name"] or "",
             "level": Level(r["level"]).label if r["level"] in Level.values else r["level"]} for r in rows]


def visible_result_objections(actor) -> QuerySet[Objection]:
    return (Objection.objects.filter(stage=Objection.Stage.RESULTS,
                                     publication__in=visible_publications(actor).values("pk"))
            .select_related("declaration__applicant", "declaration__employer", "publication__meeting", "resolved_by")
            .order_by("recorded_at", "pk"))


def access_result_objection(actor, pk, *, for_update: bool = False) -> Objection:
    pk = _id(pk)
    return gated_object(Objection.objects.filter(stage=Objection.Stage.RESULTS).select_related(
        "publication__meeting__committee__organiser", "declaration"), pk, for_update=for_update,
                        allowed=lambda objection: visible_result_objections(actor).filter(pk=objection.pk).exists(), refusal="您无权查看该异议")


def result_approval_of(declaration) -> ResultApproval | None:
    """The approval document (number, date) of an approved declaration: what its certificate prints."""
    return declaration.result_approvals.order_by("-approved_on", "-pk").first()


# The yearly data report (seeds 001 四(五), 000 三4): one row per declaration of the plan that reached
# the committee, in this column order (README.md documents it).
REPORT_STATES = ("committee_review", "results_publicity", "approved", "not_passed")
REPORT_COLUMNS = ["年度", "评审方案", "评审委员会", "系列", "专业", "层级", "申报渠道", "姓名", "身份证号码", "工作单位",
                  "单位行政区划", "评审结果", "公示开始", "公示结束", "审批文号", "审批日期", "备案机关", "备案编号", "备案日期"]


def access_report_plan(actor, plan_id):
    """The plan whose yearly report the actor may download (``reviews.report_results``)."""
    from titles.selectors import access_plan

    plan = access_plan(actor, _id(plan_id))
    if not actor.has_perm("reviews.report_results", plan.committee):
        raise PermissionDenied("只有评审委员会组建单位所在地的人社部门可以下载年度评审结果数据报表")
    return plan


def yearly_report_rows(plan):
    """The report's rows for one plan (four queries whatever their number), personal numbers as stored:
    ``accounts.exports`` masks them in every cell."""
    from declarations.models import Declaration

    approvals = ResultApproval.objects.select_related("filing").order_by("-approved_on", "-pk")
    publications = ResultPublication.objects.order_by("-pk")
    queryset = (Declaration.objects.filter(plan=plan, state__in=REPORT_STATES)
                .select_related("applicant", "employer", "series", "specialty", "plan__committee")
                .prefetch_related(Prefetch("result_approvals", queryset=approvals, to_attr="approval_list"),
                                  Prefetch("result_publications", queryset=publications, to_attr="publication_list"))
                .order_by("employer__name", "pk"))
    for d in queryset:
        publication = d.publication_list[0] if d.publication_list else None
        approval = d.approval_list[0] if d.approval_list else None
        filing = getattr(approval, "filing", None) if approval else None
        yield [plan.year, plan.name, plan.committee.name if plan.committee_id else "", d.series.name,
               d.specialty.name if d.specialty else "", d.get_level_display(), d.get_route_display(),
               d.applicant.real_name or d.applicant.username, d.applicant.id_number, d.employer.name,
               d.employer.region_code, d.get_state_display(),
               _day(publication and publication.starts_on), _day(publication and publication.ends_on),
               approval.document_number if approval else "", _day(approval and approval.approved_on),
               filing.filed_with if filing else "", filing.filing_number if filing else "",
               _day(filing and filing.filed_on)]


def _day(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""
def visible_late_steps(actor):
    """Late steps (``LateStep``) of the declarations the actor may see: the gate is the declarations'."""
    from declarations.selectors import visible_declarations

    return LateStep.objects.filter(declaration_id__in=visible_declarations(actor).order_by().values("pk"))


def late_organisations(actor) -> list[dict]:
    """Per plan and organisation: how many declarations stayed behind at its step, for which phase,
    by which deadline (one query)."""
    from titles.plan_rules import PHASE_LABELS

    rows = list(visible_late_steps(actor).values(
        "plan_id", "plan__year", "plan__name", "organisation_id", "organisation__name", "phase")
        .annotate(n=Count("pk"), deadline=Max("deadline"))
        .order_by("-plan__year", "plan__name", "plan_id", "phase", "-n", "organisation__name"))
    for row in rows:
        row["phase_label"] = PHASE_LABELS.get(row["phase"], row["phase"])
    return rows
