"""Writes that mean something for committees at work: the expert pool, recorded conflicts, meetings and
their groups, assignments, the draw of experts, recusal (回避) and discipline.

Each service is keyword-only with ``actor`` first, atomic, locks its row through the ``access_*`` gate,
checks the actor with the app's django-rules permissions, and writes the event log. Meetings move
planned → drawn here; opening, voting and closing belong to the scoring and voting services.
"""

import secrets
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.errors import CONFLICT, NOT_FOUND
from accounts.models import Role, RoleMembership, User
from accounts.notifications import notify
from accounts.services import record_credit, record_event
from config.clock import today
from declarations.flow import State
from declarations.models import Declaration
from declarations.services import InvalidInput
from titles.models import Level, ReviewPlan, Specialty
from titles.plan_rules import PlanProblem
from titles.selectors import effective_plan_rules, plan_citations
from titles.services import PlanError

from . import draw as drawing
from .filing import PlanScope, filing_problems
from .models import (
    Assignment,
    DisciplineDecision,
    DisciplineRecord,
    Draw,
    Expert,
    ExpertConflict,
    ExpertPool,
    ExpertStatus,
    Meeting,
    MeetingGroup,
    MeetingMember,
    MeetingStatus,
    PoolMembership,
    Recusal,
)
from .selectors import access_expert, access_meeting, access_membership, access_pool, assignable_declarations


class MeetingError(PlanError):
    """A meeting's step refused by a rule (409): the code names the rule, the message cites its document."""

    field = "meeting"


def _refuse(plan, rule: str, message: str) -> MeetingError:
    return MeetingError("未能抽取专家", [PlanProblem(rule, message, "rulebook")], code=rule, kind=CONFLICT,
                        citations=plan_citations(plan))


def _clean(obj, exclude=None) -> None:
    """Model validation as a 400 naming each field in Chinese (never half-saved data)."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise InvalidInput({field: "；".join(messages) for field, messages in exc.message_dict.items()}) from exc


def _may(actor, permission: str, obj, refusal: str) -> None:
    if not actor.has_perm(permission, obj):
        raise PermissionDenied(refusal)


# --- the expert pool ------------------------------------------------------------------------------

EXPERT_FIELDS = ("level", "employer", "phone", "term_start", "term_end", "training_notes", "credit_notes")


@transaction.atomic
def save_expert(*, actor, pool_id, values: dict, specialty_ids=(), user_id=None, expert_id=None,
                request=None) -> Expert:
    """Add a user with the expert role to the pool (``user_id``) or change an expert of it (``expert_id``).

    The series is the committee's; specialties must belong to it; the status changes only through
    discipline (``decide_discipline``)."""
    pool = access_pool(actor, pool_id, for_update=True)
    committee = pool.committee
    _may(actor, "committees.run_committee", committee, "只有该评审委员会办事机构的评委会秘书可以维护专家库")
    if expert_id is None:
        user = User.objects.filter(pk=user_id).first() if user_id else None
        if user is None or not RoleMembership.objects.filter(user=user, role=Role.EXPERT).exists():
            raise InvalidInput({"user": "请选择持有“评审专家”角色的用户"})
        if Expert.objects.filter(user=user).exists():
            raise InvalidInput({"user": f"{user} 已是评审专家，请在专家库中编辑"})
        expert, action = Expert(user=user, series=committee.series), "add_expert"
    else:
        expert, action = access_expert(actor, expert_id, for_update=True), "change_expert"
        _may(actor, "committees.manage_expert", expert, "您无权修改该专家的信息")
    for field in EXPERT_FIELDS:
        if field in values:
            setattr(expert, field, values[field])
    _clean(expert, exclude=["user"] if expert.pk else None)
    specialties = list(Specialty.objects.filter(pk__in=list(specialty_ids)))
    if len(specialties) != len(set(specialty_ids)) or any(s.series_id != expert.series_id for s in specialties):
        raise InvalidInput({"specialties": f"专业须属于{expert.series}系列"})
    expert.save()
    expert.specialties.set(specialties)
    if not pool.memberships.filter(expert=expert, left_on__isnull=True).exists():
        PoolMembership.objects.create(pool=pool, expert=expert, joined_on=today())
    record_event(actor=actor, action=action, obj=expert, comment=f"{pool}", request=request)
    return expert


@transaction.atomic
def record_conflict(*, actor, expert_id, reason: str, applicant_id=None, organisation_id=None,
                    request=None) -> ExpertConflict:
    """Record a conflict of interest (回避关系) with an applicant and/or an organisation: the draw honours it."""
    expert = access_expert(actor, expert_id, for_update=True)
    _may(actor, "committees.manage_expert", expert, "您无权为该专家登记回避关系")
    conflict = ExpertConflict(expert=expert, applicant_id=applicant_id, organisation_id=organisation_id,
                              reason=(reason or "").strip(), recorded_by=actor)
    if applicant_id is None and organisation_id is None:
        raise InvalidInput({"applicant": "请至少指明需回避的申报人或单位"})
    _clean(conflict)
    conflict.save()
    record_event(actor=actor, action="record_conflict", obj=expert, comment=conflict.reason, request=request)
    return conflict


# --- discipline (评审纪律, seed 003 15) --------------------------------------------------------------


@transaction.atomic
def record_breach(*, actor, expert_id, breach: str, request=None) -> DisciplineRecord:
    """The committee secretary records a breach of review discipline; the bureau decides on it."""
    expert = access_expert(actor, expert_id, for_update=True)
    _may(actor, "committees.record_breach", expert, "只有专家所在专家库的评委会秘书可以登记违纪情形")
    breach = (breach or "").strip()
    if not breach:
        raise InvalidInput({"breach": "请写明违纪情形"})
    record = DisciplineRecord.objects.create(expert=expert, breach=breach[:2000], recorded_by=actor)
    record_event(actor=actor, action="record_breach", obj=expert, comment=breach[:200], request=request)
    return record


@transaction.atomic
def decide_discipline(*, actor, record_id, decision: str, suspended_until=None, note: str = "",
                      request=None) -> DisciplineRecord:
    """The bureau's decision on a recorded breach: none, suspend until a date, or bar for life (never
    drawn again, in any pool). The expert's status follows; a barred expert stays barred."""
    record = DisciplineRecord.objects.select_for_update().filter(pk=record_id).first()
    if record is None:
        raise InvalidInput({"record": "没有这条违纪记录"}, kind=NOT_FOUND)
    expert = access_expert(actor, record.expert_id, for_update=True)
    _may(actor, "committees.decide_discipline", expert, "只有组建评审委员会的人社部门可以作出处理决定")
    if record.decision != DisciplineDecision.PENDING:
        raise InvalidInput({"decision": f"该记录已处理（{record.get_decision_display()}）"}, kind=CONFLICT)
    if decision not in (DisciplineDecision.NONE, DisciplineDecision.SUSPEND, DisciplineDecision.BAR):
        raise InvalidInput({"decision": "处理决定应为不予处理、暂停评审资格或终身禁入"})
    if decision == DisciplineDecision.SUSPEND:
        if not isinstance(suspended_until, date) or suspended_until <= today():
            raise InvalidInput({"suspended_until": "暂停评审资格须写明截止日期（晚于今天）"})
        if expert.status == ExpertStatus.BARRED:
            raise InvalidInput({"decision": "该专家已终身禁入，不能改为暂停"}, kind=CONFLICT)
    before = expert.status
    record.decision, record.decision_note = decision, (note or "").strip()[:2000]
    record.suspended_until = suspended_until if decision == DisciplineDecision.SUSPEND else None
    record.decided_by, record.decided_at = actor, timezone.now()
    record.save()
    if decision == DisciplineDecision.BAR:
        expert.status, expert.suspended_until = ExpertStatus.BARRED, None
    elif decision == DisciplineDecision.SUSPEND:
        expert.status, expert.suspended_until = ExpertStatus.SUSPENDED, suspended_until
    expert.save(update_fields=["status", "suspended_until"])
    record_event(actor=actor, action="decide_discipline", obj=expert, from_state=before, to_state=expert.status,
                 comment=f"{record.get_decision_display()}：{record.breach[:150]}", request=request)
    if decision in (DisciplineDecision.SUSPEND, DisciplineDecision.BAR):  # 诚信档案 (001 四(四), 003 15)
        what = "终身禁入评审专家库" if decision == DisciplineDecision.BAR else f"暂停评审资格至 {suspended_until}"
        record_credit(actor=actor, subject=expert.user, kind="expert", reason=f"评审专家违反评审纪律：{record.breach}（{what}）",
                      source=f"专家违纪记录第 {record.pk} 号", request=request)
    return record


# --- meetings, groups and assignments -------------------------------------------------------------


@transaction.atomic
def create_meeting(*, actor, plan_id, name: str, held_on, methods, place: str = "", online: bool = False,
                   request=None) -> Meeting:
    plan = ReviewPlan.objects.select_related("committee__office", "organisation").filter(pk=plan_id).first()
    if plan is None:
        raise InvalidInput({"plan": "请选择评审方案"})
    _may(actor, "committees.run_committee", plan.committee, "只有该方案评审委员会办事机构的评委会秘书可以安排评审会议")
    if plan.status != ReviewPlan.Status.PUBLISHED:
        raise InvalidInput({"plan": "评审方案尚未发布，不能安排评审会议"}, kind=CONFLICT)
    meeting = Meeting(plan=plan, committee=plan.committee, name=(name or "").strip(), held_on=held_on,
                      place=(place or "").strip(), online=bool(online), methods=list(methods or []),
                      created_by=actor)
    _clean(meeting)
    meeting.save()
    record_event(actor=actor, action="create_meeting", obj=meeting, to_state=meeting.status, request=request)
    return meeting


def _planned_meeting(actor, meeting_id) -> Meeting:
    meeting = access_meeting(actor, meeting_id, for_update=True)
    _may(actor, "committees.manage_meeting", meeting, "只有该评审委员会办事机构的评委会秘书可以办理")
    if meeting.status != MeetingStatus.PLANNED:
        raise InvalidInput({"meeting": f"评审会议{meeting.get_status_display()}，不能再调整评审组和申报"},
                           code="MEETING_STATE", kind=CONFLICT)
    return meeting


@transaction.atomic
def add_group(*, actor, meeting_id, name: str, level: str, size, specialty_id=None, directed: bool = False,
              pass_rate_percent=None, request=None) -> MeetingGroup:
    meeting = _planned_meeting(actor, meeting_id)
    specialty = None
    if specialty_id:
        specialty = Specialty.objects.filter(pk=specialty_id, series_id=meeting.committee.series_id).first()
        if specialty is None:
            raise InvalidInput({"specialty": f"专业须属于{meeting.committee.series}系列"})
    if level not in (meeting.plan.levels or []):
        labels = "、".join(Level(v).label for v in meeting.plan.levels or [] if v in Level.values)
        raise InvalidInput({"level": f"评审层级须为评审方案的层级（{labels or '无'}）"})
    group = MeetingGroup(meeting=meeting, name=(name or "").strip(), level=level, size=size, specialty=specialty,
                         directed=bool(directed), pass_rate_percent=pass_rate_percent if directed else None)
    _clean(group)
    if meeting.groups.filter(name=group.name).exists():
        raise InvalidInput({"name": f"本次会议已有评审组“{group.name}”"})
    group.save()
    record_event(actor=actor, action="add_meeting_group", obj=meeting, comment=f"{group.name}（{group.size} 人）",
                 request=request)
    return group


@transaction.atomic
def assign_declarations(*, actor, meeting_id, group_id, declaration_ids, request=None) -> list[Assignment]:
    """Assign declarations in ``committee_review`` of the meeting's plan to one of its groups: each in at
    most one meeting that is not closed (checked under the declarations' locks), directed ones to a
    directed group, of the group's level and specialty."""
    meeting = _planned_meeting(actor, meeting_id)
    group = meeting.groups.filter(pk=group_id).first()
    if group is None:
        raise InvalidInput({"group": "请选择本次会议的评审组"})
    ids = sorted({int(pk) for pk in declaration_ids})
    if not ids:
        raise InvalidInput({"declarations": "请至少选择一份申报"})
    declarations = list(Declaration.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    free = set(assignable_declarations(meeting).filter(pk__in=ids).values_list("pk", flat=True))
    problems = []
    for declaration in declarations:
        if declaration.pk not in free:
            state = "" if declaration.state == State.COMMITTEE_REVIEW else f"（{declaration.get_state_display()}）"
            problems.append(f"{declaration.pk} 号申报不在本方案的评委会评审阶段或已分配到其他会议{state}")
        elif declaration.level != group.level:
            problems.append(f"{declaration.pk} 号申报的层级为{declaration.get_level_display()}，与评审组不符")
        elif (declaration.route == "directed") != group.directed:
            problems.append(f"{declaration.pk} 号申报{'为' if declaration.route == 'directed' else '不是'}双定向申报，"
                            "双定向申报须单独分组、单独设立通过率")
        elif group.specialty_id and declaration.specialty_id != group.specialty_id:
            problems.append(f"{declaration.pk} 号申报的专业与评审组（{group.specialty}）不符")
    if len(declarations) != len(ids):
        problems.append("所选申报不存在")
    if problems:
        raise InvalidInput({"declarations": "；".join(problems)})
    created = []
    for declaration in declarations:
        created.append(Assignment.objects.create(meeting=meeting, group=group, declaration=declaration,
                                                 assigned_by=actor))
        record_event(actor=actor, action="assign_to_meeting", obj=declaration,
                     comment=f"{meeting.name} · {group.name}", request=request)
    return created


@transaction.atomic
def remove_assignment(*, actor, meeting_id, assignment_id, request=None) -> None:
    meeting = _planned_meeting(actor, meeting_id)
    assignment = meeting.assignments.select_related("declaration", "group").filter(pk=assignment_id).first()
    if assignment is None:
        raise InvalidInput({"assignment": "本次会议没有这项分配"}, kind=NOT_FOUND)
    assignment.delete()
    record_event(actor=actor, action="remove_from_meeting", obj=assignment.declaration,
                 comment=f"{meeting.name} · {assignment.group.name}", request=request)


# --- the draw ------------------------------------------------------------------------------------


def _filing_refusal(meeting, groups) -> MeetingError | None:
    """A meeting needs a committee filing in force on its date that covers its groups (``filing.py``)."""
    committee = meeting.committee
    scope = PlanScope(series=committee.series.name,
                      specialties=frozenset(g.specialty.name for g in groups if g.specialty_id),
                      levels=frozenset(g.level for g in groups), meetings=(meeting.held_on, meeting.held_on))
    problems = filing_problems(committee.filing(), scope, today=today())
    if problems:
        return MeetingError("评审委员会核准备案不能覆盖本次评审会议，不能抽取专家", problems, code=problems[0].rule,
                            kind=CONFLICT, citations=plan_citations(meeting.plan))
    return None


def _candidates(pool) -> list[drawing.Candidate]:
    memberships = (pool.memberships.filter(left_on__isnull=True).select_related("expert")
                   .prefetch_related("expert__specialties").order_by("expert_id"))
    return [drawing.Candidate(
        id=m.expert.pk, series_id=m.expert.series_id, level=m.expert.level,
        specialty_ids=frozenset(s.pk for s in m.expert.specialties.all()), employer_id=m.expert.employer_id,
        status=m.expert.status, suspended_until=m.expert.suspended_until, term_start=m.expert.term_start,
        term_end=m.expert.term_end) for m in memberships]


def _conflicts(expert_ids, applicant_ids, employer_ids) -> tuple[drawing.Conflict, ...]:
    from django.db.models import Q

    rows = ExpertConflict.objects.filter(Q(applicant_id__in=applicant_ids) | Q(organisation_id__in=employer_ids),
                                         expert_id__in=expert_ids).order_by("pk")
    return tuple(drawing.Conflict(expert_id=c.expert_id, applicant_id=c.applicant_id, organisation_id=c.organisation_id)
                 for c in rows)


@transaction.atomic
def draw_experts(*, actor, meeting_id, request=None) -> list[Draw]:
    """Draw every group's experts at random from the committee's pool, with recusal built in, and record
    each draw (seed, algorithm, the pool as it stood, result) so that ``replay_draw`` can recompute it."""
    meeting = access_meeting(actor, meeting_id, for_update=True)
    _may(actor, "committees.manage_meeting", meeting, "只有该评审委员会办事机构的评委会秘书可以抽取专家")
    if meeting.status != MeetingStatus.PLANNED:
        raise InvalidInput({"meeting": f"评审会议{meeting.get_status_display()}，不能再次抽取专家"},
                           code="MEETING_STATE", kind=CONFLICT)
    groups = list(meeting.groups.select_related("specialty").prefetch_related("assignments__declaration")
                  .order_by("pk"))
    if not groups:
        raise InvalidInput({"groups": "请先设置评审组"})
    empty = [g.name for g in groups if not g.assignments.all()]
    if empty:
        raise InvalidInput({"groups": f"评审组{'、'.join(empty)}还没有分配申报"})
    refusal = _filing_refusal(meeting, groups)
    if refusal is not None:
        raise refusal
    plan = meeting.plan
    rules = effective_plan_rules(region_code=plan.organisation.region_code, year=plan.year)
    needs = {g.pk: drawing.GroupNeed(series_id=meeting.committee.series_id, level=g.level,
                                     specialty_id=g.specialty_id, size=g.size) for g in groups}
    problems = [p for g in groups for p in drawing.composition_problems(needs[g.pk], rules)]
    if problems:
        raise MeetingError("评审组人数不符合评审委员会组成要求", problems, code=problems[0].rule, kind=CONFLICT,
                           citations=plan_citations(plan))
    pool = ExpertPool.objects.filter(committee=meeting.committee).first()
    if pool is None or not pool.filing_number or pool.filed_on is None or pool.filed_on > meeting.held_on:
        raise _refuse(plan, "EXPERT_DRAW", "评审委员会的专家库尚未备案，不能抽取专家")
    candidates = _candidates(pool)
    taken: set[int] = set()
    draws = []
    for group in groups:
        declarations = [a.declaration for a in group.assignments.all()]
        applicant_ids = frozenset(d.applicant_id for d in declarations)
        employer_ids = frozenset(d.employer_id for d in declarations)
        inputs = drawing.DrawInput(
            on=meeting.held_on, need=needs[group.pk], candidates=tuple(candidates), applicant_ids=applicant_ids,
            employer_ids=employer_ids, conflicts=_conflicts([c.id for c in candidates], applicant_ids, employer_ids),
            taken_ids=frozenset(taken))
        seed = secrets.token_hex(16)
        try:
            result = drawing.draw(inputs, seed)
        except drawing.PoolTooSmall as exc:
            raise _refuse(plan, "EXPERT_DRAW", f"评审组“{group.name}”{exc}") from exc
        record = Draw.objects.create(meeting=meeting, group=group, seed=seed, algorithm=drawing.ALGORITHM,
                                     algorithm_version=drawing.ALGORITHM_VERSION, snapshot=inputs.to_json(),
                                     result=list(result), drawn_by=actor)
        MeetingMember.objects.bulk_create([
            MeetingMember(meeting=meeting, group=group, expert_id=expert_id, draw=record, position=position)
            for position, expert_id in enumerate(result, 1)])
        taken.update(result)
        draws.append(record)
    meeting.status = MeetingStatus.DRAWN
    meeting.save(update_fields=["status"])
    record_event(actor=actor, action="draw_experts", obj=meeting, from_state=MeetingStatus.PLANNED,
                 to_state=MeetingStatus.DRAWN, request=request,
                 comment=f"{len(taken)} 名专家（{drawing.ALGORITHM} v{drawing.ALGORITHM_VERSION}）")
    experts = Expert.objects.filter(pk__in=taken).select_related("user")
    notify(recipients=[e.user for e in experts], key=f"meeting-drawn-{meeting.pk}",
           title=f"您已被抽取为“{meeting.name}”的评审专家",
           body=f"会议日期：{meeting.held_on}；{'网络评审' if meeting.online else meeting.place}。"
                "会议开始后可查看分配的申报；与申报人有利害关系的，请在评审前声明回避。",
           link=reverse("committees:my_meetings"))
    return draws


# --- recusal (回避) -------------------------------------------------------------------------------


def has_scored(member, declaration_id) -> bool:
    """Has the member given (saved or submitted) a score on the declaration?"""
    from .models import Score

    return Score.objects.filter(member=member, declaration_id=declaration_id).exists()


@transaction.atomic
def declare_recusal(*, actor, member_id, declaration_id, reason: str, request=None) -> Recusal:
    """A drawn expert declares a conflict with one declaration of their group, before the meeting closes
    and before giving any score on it: they then neither score nor vote on it."""
    member = access_membership(actor, member_id, for_update=True)
    meeting = member.meeting
    if meeting.status in (MeetingStatus.PLANNED, MeetingStatus.CLOSED):
        raise InvalidInput({"meeting": f"评审会议{meeting.get_status_display()}，不能声明回避"}, code="MEETING_STATE",
                           kind=CONFLICT)
    if not Assignment.objects.filter(group=member.group_id, declaration_id=declaration_id).exists():
        raise InvalidInput({"declaration": "该申报不在您的评审组"}, kind=NOT_FOUND)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": "请写明回避事由"})
    if has_scored(member, declaration_id):
        raise InvalidInput({"declaration": "您已对该申报评分，不能再声明回避"}, code="EXPERT_DRAW", kind=CONFLICT)
    try:
        with transaction.atomic():
            recusal = Recusal.objects.create(member=member, declaration_id=declaration_id, reason=reason[:200])
    except IntegrityError as exc:
        raise InvalidInput({"declaration": "您已对该申报声明回避"}, kind=CONFLICT) from exc
    record_event(actor=actor, action="declare_recusal", obj=meeting, comment=f"{declaration_id} 号申报：{reason[:150]}",
                 request=request)
    return recusal


ACTION_LABELS = {
    "add_expert": "专家入库", "change_expert": "修改专家信息", "record_conflict": "登记回避关系",
    "record_breach": "登记违纪情形", "decide_discipline": "作出违纪处理决定", "create_meeting": "安排评审会议",
    "add_meeting_group": "设置评审组", "assign_to_meeting": "分配到评审会议", "remove_from_meeting": "移出评审会议",
    "draw_experts": "抽取评审专家", "declare_recusal": "声明回避",
    "save_indicator_menu": "修改评价指标", "submit_score": "提交评分", "schedule_defence": "安排答辩",
    "defence_attendance": "登记答辩到场", "open_meeting": "开始评审会议", "record_attendance": "登记出席",
    "open_ballot": "开始投票", "cast_ballot": "投票", "close_ballot": "结束投票", "sign_off_tally": "签认计票结果",
    "close_meeting": "结束评审会议",
}
