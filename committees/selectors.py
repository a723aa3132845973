"""Reads shared by pages, the API and the admin console for review committees, their expert pools and
meetings; ``access_*`` is the gate between an id and an object (404 when absent, 403 when not visible)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role
from accounts.permissions import is_system_admin, member_org_ids
from accounts.selectors import gated_object, visible_organisations
from declarations.flow import State
from declarations.models import Declaration

from . import draw as drawing
from .models import (
    Assignment,
    Committee,
    DisciplineRecord,
    Draw,
    Expert,
    ExpertPool,
    Meeting,
    MeetingGroup,
    MeetingMember,
    MeetingStatus,
    PoolMembership,
    Recusal,
)
from .permissions import secretary_office_ids

OPENED = (MeetingStatus.OPEN, MeetingStatus.VOTING, MeetingStatus.CLOSED)


def visible_committees(actor):
    """Committees organised by, or run by an office in, an organisation the actor may see."""
    queryset = Committee.objects.select_related("organiser", "office", "series")
    if is_system_admin(actor):
        return queryset
    organisations = visible_organisations(actor).values("pk")
    return queryset.filter(Q(organiser__in=organisations) | Q(office__in=organisations))


def public_committees():
    """Active committees with what their filing records (three queries whatever their number)."""
    return (Committee.objects.filter(is_active=True)
            .select_related("series", "organiser", "office").prefetch_related("specialties")
            .order_by("series__sort_order", "name"))


def run_committees(actor) -> QuerySet[Committee]:
    """The committees whose office the actor works in as committee secretary (all for the system admin)."""
    queryset = Committee.objects.select_related("organiser", "office", "series").order_by("name")
    if is_system_admin(actor):
        return queryset
    return queryset.filter(office_id__in=secretary_office_ids(actor))


def _bureau_committees(actor) -> Q | None:
    if not member_org_ids(actor, {Role.BUREAU_REVIEWER}):
        return None
    organisations = visible_organisations(actor).values("pk")
    return Q(committee__organiser__in=organisations)


# --- meetings -------------------------------------------------------------------------------------


def _meetings() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("plan", "committee__organiser", "committee__office", "committee__series")


def visible_meetings(actor) -> QuerySet[Meeting]:
    """The secretary's committees' meetings; the bureau's region; an expert's own once they have opened."""
    queryset = _meetings()
    if not actor.is_authenticated:
        return queryset.none()
    if is_system_admin(actor):
        return queryset
    seen = Q(committee__office_id__in=secretary_office_ids(actor))
    bureau = _bureau_committees(actor)
    if bureau is not None:
        seen |= bureau
    if member_org_ids(actor, {Role.EXPERT}) or Expert.objects.filter(user=actor).exists():
        seen |= Q(members__expert__user=actor, status__in=OPENED)
    return queryset.filter(seen).distinct()


def access_meeting(actor, pk, *, for_update: bool = False) -> Meeting:
    return gated_object(_meetings(), pk, for_update=for_update,
                        allowed=lambda meeting: actor.has_perm("committees.view_meeting", meeting), refusal="您无权查看该评审会议")


def meeting_groups(meeting) -> list[MeetingGroup]:
    """The meeting's groups with their declarations and drawn members (four queries whatever their number)."""
    assignments = Assignment.objects.select_related("declaration__applicant", "declaration__employer",
                                                    "declaration__specialty").order_by("pk")
    members = MeetingMember.objects.select_related("expert__user", "expert__employer").order_by("position")
    return list(meeting.groups.select_related("specialty")
                .prefetch_related(Prefetch("assignments", queryset=assignments, to_attr="assignment_list"),
                                  Prefetch("members", queryset=members, to_attr="member_list")))


def meeting_draws(meeting) -> QuerySet[Draw]:
    return meeting.draws.select_related("group", "drawn_by").order_by("pk")


def access_draw(actor, pk) -> Draw:
    """A draw of a meeting the actor manages or oversees (an expert sees their meeting, not its draws)."""
    draw = get_object_or_404(Draw.objects.select_related("group", "drawn_by"), pk=pk)
    meeting = access_meeting(actor, draw.meeting_id)
    if not visible_draws(actor).filter(pk=draw.pk).exists():
        raise PermissionDenied("您无权查看该抽取记录")
    draw.meeting = meeting
    return draw


def visible_draws(actor) -> QuerySet[Draw]:
    """Draws of the meetings the actor manages or oversees (experts see the meeting, not its draws)."""
    meetings = visible_meetings(actor)
    if not is_system_admin(actor):
        managed = Q(committee__office_id__in=secretary_office_ids(actor))
        bureau = _bureau_committees(actor)
        meetings = meetings.filter(managed | bureau if bureau is not None else managed)
    return Draw.objects.filter(meeting__in=meetings.values("pk")).select_related("group", "drawn_by").order_by("pk")


def assignable_declarations(meeting) -> QuerySet[Declaration]:
    """Declarations of the meeting's plan in ``committee_review`` not yet in a meeting that is not closed."""
    busy = Assignment.objects.exclude(meeting__status=MeetingStatus.CLOSED).values("declaration_id")
    return (Declaration.objects.filter(plan_id=meeting.plan_id, state=State.COMMITTEE_REVIEW)
            .exclude(pk__in=busy).select_related("applicant", "employer", "specialty").order_by("pk"))


def visible_assignments(actor) -> QuerySet[Assignment]:
    """Assignments of the meetings the actor may see; an expert sees only their own group's, once opened."""
    queryset = Assignment.objects.select_related("meeting", "group", "declaration__applicant",
                                                 "declaration__employer").order_by("meeting", "group", "pk")
    if not actor.is_authenticated:
        return queryset.none()
    if is_system_admin(actor):
        return queryset
    managed = Q(meeting__committee__office_id__in=secretary_office_ids(actor))
    bureau = _bureau_committees(actor)
    if bureau is not None:
        managed |= Q(meeting__committee__organiser__in=visible_organisations(actor).values("pk"))
    own = Q(group__members__expert__user=actor, meeting__status__in=OPENED)
    return queryset.filter(managed | own).distinct()


def expert_memberships(actor) -> QuerySet[MeetingMember]:
    """The signed-in expert's own memberships of meetings that have opened, with their assignments."""
    assignments = Assignment.objects.select_related("declaration__applicant", "declaration__employer").order_by("pk")
    return (MeetingMember.objects.filter(expert__user=actor, meeting__status__in=OPENED)
            .select_related("meeting", "group")
            .prefetch_related(Prefetch("group__assignments", queryset=assignments, to_attr="assignment_list"),
                              "recusals")
            .order_by("-meeting__held_on", "pk"))


def access_membership(actor, pk, *, for_update: bool = False) -> MeetingMember:
    """A meeting membership: the expert's own only."""
    queryset = MeetingMember.objects.select_related("meeting", "group", "expert")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    member = get_object_or_404(queryset, pk=pk)
    if member.expert.user_id != actor.pk:
        raise PermissionDenied("只能对本人的评审任务声明回避")
    return member


def recused(member_id: int, declaration_id: int) -> bool:
    """Has this meeting member recused themselves from this declaration? (Scores and ballots ask it.)"""
    return Recusal.objects.filter(member_id=member_id, declaration_id=declaration_id).exists()


# --- experts and pools ----------------------------------------------------------------------------


def _experts() -> QuerySet[Expert]:
    return Expert.objects.select_related("user", "employer", "series")


def visible_experts(actor) -> QuerySet[Expert]:
    """Experts in the pools of the committees the actor runs or oversees; an expert sees themselves."""
    queryset = _experts().order_by("pk")
    if not actor.is_authenticated:
        return queryset.none()
    if is_system_admin(actor):
        return queryset
    seen = Q(user=actor) | Q(memberships__pool__committee__office_id__in=secretary_office_ids(actor))
    if member_org_ids(actor, {Role.BUREAU_REVIEWER}):
        seen |= Q(memberships__pool__committee__organiser__in=visible_organisations(actor).values("pk"))
    return queryset.filter(pk__in=Expert.objects.filter(seen).values("pk"))


def access_expert(actor, pk, *, for_update: bool = False) -> Expert:
    return gated_object(_experts(), pk, for_update=for_update,
                        allowed=lambda expert: actor.has_perm("committees.view_expert", expert), refusal="您无权查看该专家的信息")


def visible_pools(actor) -> QuerySet[ExpertPool]:
    queryset = ExpertPool.objects.select_related("committee__office", "committee__organiser", "committee__series")
    if not actor.is_authenticated:
        return queryset.none()
    if is_system_admin(actor):
        return queryset
    seen = Q(committee__office_id__in=secretary_office_ids(actor))
    if member_org_ids(actor, {Role.BUREAU_REVIEWER}):
        seen |= Q(committee__organiser__in=visible_organisations(actor).values("pk"))
    return queryset.filter(seen)


def access_pool(actor, pk, *, for_update: bool = False) -> ExpertPool:
    return gated_object(ExpertPool.objects.select_related("committee__office", "committee__organiser", "committee__series"), pk, for_update=for_update,
                        allowed=lambda pool: visible_pools(actor).filter(pk=pool.pk).exists(), refusal="您无权查看该专家库")


def pool_members(pool) -> QuerySet[PoolMembership]:
    """The pool's current members with what the list shows (three queries whatever their number)."""
    return (pool.memberships.filter(left_on__isnull=True)
            .select_related("expert__user", "expert__employer", "expert__series")
            .prefetch_related("expert__specialties").order_by("expert__pk"))


def visible_discipline_records(actor) -> QuerySet[DisciplineRecord]:
    return (DisciplineRecord.objects.filter(expert__in=visible_experts(actor).values("pk"))
            .select_related("expert__user", "recorded_by", "decided_by"))


@dataclass(frozen=True)
class Replay:
    draw: Draw
    matches: bool
    recomputed: tuple[int, ...] | None  # None: the recorded snapshot no longer draws (tampered or unreadable)
    known_algorithm: bool


def replay_draw(record: Draw) -> Replay:
    """Recompute a recorded draw from its seed and snapshot and compare it with its stored result."""
    known = (record.algorithm, record.algorithm_version) == (drawing.ALGORITHM, drawing.ALGORITHM_VERSION)
    if not known:
        return Replay(record, False, None, False)
    matches, again = drawing.replay(record.snapshot, record.seed, record.result or [])
    return Replay(record, matches, again, True)


def replay_draws(meeting) -> list[Replay]:
    return [replay_draw(record) for record in meeting_draws(meeting)]


def access_assignment(actor, pk) -> Assignment:
    assignment = get_object_or_404(Assignment.objects.select_related(
        "meeting", "group", "declaration__applicant", "declaration__employer"), pk=pk)
    if not visible_assignments(actor).filter(pk=assignment.pk).exists():
        raise PermissionDenied("您无权查看该评审分配")
    return assignment


# --- scoring and voting ---------------------------------------------------------------------------


def reviewing_committee(declaration_id: int, *, closed_too: bool = False) -> Committee | None:
    """The committee whose meeting (not yet closed, or the latest one with ``closed_too``) reviews the
    declaration."""
    assignments = Assignment.objects.filter(declaration_id=declaration_id)
    if not closed_too:
        assignments = assignments.exclude(meeting__status=MeetingStatus.CLOSED)
    assignment = assignments.select_related("meeting__committee__office").order_by("-pk").first()
    return assignment.meeting.committee if assignment is not None else None


SCORING = (MeetingStatus.OPEN, MeetingStatus.VOTING)


def expert_seat(actor, declaration_id: int) -> MeetingMember | None:
    """The actor's seat in the group reviewing the declaration, while its meeting is open or voting and the
    actor has not recused themselves from it; None otherwise (nothing before the meeting opens)."""
    if not actor.is_authenticated:
        return None
    groups = Assignment.objects.filter(declaration_id=declaration_id, meeting__status__in=SCORING).values("group_id")
    return (MeetingMember.objects.filter(expert__user=actor, group_id__in=groups)
            .exclude(recusals__declaration_id=declaration_id)
            .select_related("meeting__committee", "meeting__plan__organisation", "group", "expert").first())


def reviews_as_expert(actor, declaration_id: int) -> bool:
    """May the actor read the declaration's materials as an expert assigned to it (the material gate)?"""
    return expert_seat(actor, declaration_id) is not None


def workspace_assignments(actor) -> list[Assignment]:
    """The declarations the signed-in expert reviews now: their groups' assignments in open or voting
    meetings, without those they recused from (each with ``member`` set; three queries)."""
    members = {m.group_id: m for m in MeetingMember.objects.filter(expert__user=actor, meeting__status__in=SCORING)
               .prefetch_related("recusals")}
    if not members:
        return []
    rows = (Assignment.objects.filter(group_id__in=members)
            .select_related("meeting", "group", "declaration__applicant", "declaration__employer",
                            "declaration__specialty", "declaration__series")
            .order_by("meeting", "group", "pk"))
    result = []
    for row in rows:
        member = members[row.group_id]
        if any(r.declaration_id == row.declaration_id for r in member.recusals.all()):
            continue
        row.member = member
        result.append(row)
    return result


def visible_scores(actor):
    """An expert's own scores (nobody reads another expert's score: the meeting shows averages only)."""
    from .models import Score

    if not actor.is_authenticated:
        return Score.objects.none()
    queryset = Score.objects.all() if is_system_admin(actor) else Score.objects.filter(member__expert__user=actor)
    return (queryset.select_related("member__meeting", "declaration")
            .order_by("-pk"))


def access_score(actor, pk, *, for_update: bool = False):
    from .models import Score

    queryset = Score.objects.select_related("member__expert", "member__meeting")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    score = get_object_or_404(queryset, pk=pk)
    if score.member.expert.user_id != actor.pk:
        raise PermissionDenied("只能查看本人的评分")
    return score
