"""Pages of committees: the public list of filed committees; the committee office's pool, meetings,
assignments and draws (with the replay's verdict); the bureau's discipline decisions; the expert's own
meetings with recusal. Every object comes through an ``access_*`` gate, every write through a service;
refusals come back as messages that name the rule and its document."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.errors import DomainError
from titles.models import Level, ReviewPlan

from .forms import BreachForm, ConflictForm, DecisionForm, ExpertForm, GroupForm, MeetingForm, RecusalForm
from .models import DisciplineDecision, MeetingStatus
from .selectors import (
    access_draw,
    access_expert,
    access_meeting,
    access_pool,
    assignable_declarations,
    expert_memberships,
    meeting_draws,
    meeting_groups,
    pool_members,
    public_committees,
    replay_draw,
    replay_draws,
    run_committees,
    visible_discipline_records,
    visible_meetings,
    visible_pools,
)
from .services import (
    add_group,
    assign_declarations,
    create_meeting,
    decide_discipline,
    declare_recusal,
    draw_experts,
    record_breach,
    record_conflict,
    remove_assignment,
    save_expert,
)


def committee_list(request):
    today = timezone.localdate()
    rows = []
    for committee in public_committees():
        filed = bool(committee.filing_number and committee.filed_from and committee.filed_until)
        if not filed:
            status = "未备案"
        elif today < committee.filed_from:
            status = "尚未生效"
        elif today > committee.filed_until:
            status = "已过期"
        else:
            status = "有效"
        rows.append({
            "committee": committee,
            "levels": [label for value, label in Level.choices if value in (committee.levels or ())],
            "specialties": [s.name for s in committee.specialties.all()],
            "status": status,
        })
    return render(request, "committees/list.html", {"rows": rows, "today": today})


def _refused(request, exc: DomainError) -> None:
    errors = exc.errors.values() if isinstance(exc.errors, dict) else [exc.message]
    text = "；".join("；".join(v) if isinstance(v, list | tuple) else str(v) for v in errors)
    messages.error(request, f"未办理：{text}")


def _onto_form(form, exc: DomainError) -> None:
    """A service's refusal shown beside the fields it names (the rest above the form)."""
    for field, message in exc.errors.items():
        text = "；".join(message) if isinstance(message, list | tuple) else str(message)
        form.add_error(field if field in form.fields else None, text)


def _staff(request):
    pools = visible_pools(request.user)
    meetings = visible_meetings(request.user).exclude(members__expert__user=request.user)
    if not pools.exists() and not meetings.exists() and not run_committees(request.user).exists():
        raise PermissionDenied("只有评委会办事机构和人社部门的工作人员可以查看评审会议")
    return pools, meetings


# --- the committee office's workspace -------------------------------------------------------------


@login_required
def office(request):
    pools, meetings = _staff(request)
    return render(request, "committees/office.html", {
        "committees": run_committees(request.user), "pools": pools, "meetings": meetings.order_by("-held_on", "-pk"),
    })


@login_required
def pool_detail(request, pk):
    pool = access_pool(request.user, pk)
    may_run = request.user.has_perm("committees.run_committee", pool.committee)
    form = ExpertForm(committee=pool.committee) if may_run else None
    if request.method == "POST":
        form = ExpertForm(request.POST, committee=pool.committee)
        if form.is_valid():
            data = form.cleaned_data
            try:
                expert = save_expert(actor=request.user, pool_id=pool.pk, user_id=data["user"].pk, values=data,
                                     specialty_ids=[s.pk for s in data["specialties"]], request=request)
            except DomainError as exc:
                _onto_form(form, exc)
            else:
                messages.success(request, f"{expert} 已入库")
                return redirect("committees:pool", pk=pool.pk)
    return render(request, "committees/pool.html", {"pool": pool, "members": pool_members(pool), "form": form,
                                                    "may_run": may_run}, status=400 if form and form.errors else 200)


@login_required
def expert_detail(request, pk):
    expert = access_expert(request.user, pk)
    may_manage = request.user.has_perm("committees.manage_expert", expert)
    own_phone = request.user.has_perm("committees.view_expert_phone", expert)
    form = ExpertForm(committee=_committee_of(expert), expert=expert, show_phone=own_phone) if may_manage else None
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied("您无权修改该专家的信息")
        form = ExpertForm(request.POST, committee=_committee_of(expert), expert=expert, show_phone=own_phone)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if not data["phone"] and not own_phone:
                del data["phone"]
            try:
                save_expert(actor=request.user, pool_id=_pool_of(expert).pk, expert_id=expert.pk, values=data,
                            specialty_ids=[s.pk for s in data["specialties"]], request=request)
            except DomainError as exc:
                _onto_form(form, exc)
            else:
                messages.success(request, "已保存")
                return redirect("committees:expert", pk=expert.pk)
    records = visible_discipline_records(request.user).filter(expert=expert).order_by("-recorded_at")
    return render(request, "committees/expert.html", {
        "expert": expert, "form": form, "may_manage": may_manage,
        "phone": expert.phone if own_phone else expert.phone_masked,
        "conflicts": expert.conflicts.select_related("applicant", "organisation").order_by("pk"),
        "conflict_form": ConflictForm() if may_manage else None,
        "breach_form": BreachForm() if request.user.has_perm("committees.record_breach", expert) else None,
        "records": records, "pending": DisciplineDecision.PENDING,
        "decision_form": DecisionForm() if request.user.has_perm("committees.decide_discipline", expert) else None,
    }, status=400 if form and form.errors else 200)


def _pool_of(expert):
    membership = expert.memberships.filter(left_on__isnull=True).select_related("pool__committee").first()
    membership = membership or expert.memberships.select_related("pool__committee").first()
    if membership is None:
        raise PermissionDenied("该专家不在任何专家库中")
    return membership.pool


def _committee_of(expert):
    return _pool_of(expert).committee


@login_required
@require_POST
def expert_conflict(request, pk):
    form = ConflictForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_conflict(actor=request.user, expert_id=pk, reason=data["reason"],
                            applicant_id=data["applicant"].pk if data["applicant"] else None,
                            organisation_id=data["organisation"].pk if data["organisation"] else None, request=request)
        except DomainError as exc:
            _refused(request, exc)
        else:
            messages.success(request, "回避关系已登记，抽取专家时自动回避")
    else:
        messages.error(request, "未登记：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("committees:expert", pk=pk)


@login_required
@require_POST
def expert_breach(request, pk):
    form = BreachForm(request.POST)
    if form.is_valid():
        try:
            record_breach(actor=request.user, expert_id=pk, breach=form.cleaned_data["breach"], request=request)
        except DomainError as exc:
            _refused(request, exc)
        else:
            messages.success(request, "违纪情形已登记，待人社部门作出处理决定")
    else:
        messages.error(request, "未登记：请写明违纪情形")
    return redirect("committees:expert", pk=pk)


@login_required
@require_POST
def discipline_decide(request, pk, record_pk):
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decide_discipline(actor=request.user, record_id=record_pk, decision=data["decision"],
                              suspended_until=data["suspended_until"], note=data["note"], request=request)
        except DomainError as exc:
            _refused(request, exc)
        else:
            messages.success(request, "处理决定已记录")
    else:
        messages.error(request, "未办理：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("committees:expert", pk=pk)


# --- meetings --------------------------------------------------------------------------------------


def _plans(actor):
    return (ReviewPlan.objects.filter(status=ReviewPlan.Status.PUBLISHED, committee__in=run_committees(actor))
            .select_related("committee").order_by("-year", "name"))


@login_required
def meeting_create(request):
    plans = _plans(request.user)
    if not plans.exists():
        raise PermissionDenied("只有评委会秘书可以为本委员会已发布的评审方案安排评审会议")
    form = MeetingForm(request.POST or None, plans=plans)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = create_meeting(actor=request.user, plan_id=data["plan"].pk, name=data["name"],
                                     held_on=data["held_on"], place=data["place"], online=data["online"],
                                     methods=data["methods"], request=request)
        except DomainError as exc:
            _onto_form(form, exc)
        else:
            messages.success(request, "评审会议已安排，请设置评审组并分配申报")
            return redirect("committees:meeting", pk=meeting.pk)
    return render(request, "committees/meeting_form.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
def meeting_detail(request, pk):
    meeting = access_meeting(request.user, pk)
    may_manage = request.user.has_perm("committees.manage_meeting", meeting)
    if not may_manage and meeting.members.filter(expert__user=request.user).exists():
        return redirect("committees:my_meetings")
    planned = meeting.status == MeetingStatus.PLANNED
    return render(request, "committees/meeting.html", {
        "meeting": meeting, "groups": meeting_groups(meeting), "may_manage": may_manage and planned,
        "group_form": GroupForm(meeting=meeting) if may_manage and planned else None,
        "candidates": assignable_declarations(meeting) if may_manage and planned else [],
        "replays": replay_draws(meeting),
    })


def _manage_post(request, pk, action, done: str):
    try:
        action()
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, done)
    return redirect("committees:meeting", pk=pk)


@login_required
@require_POST
def meeting_group(request, pk):
    meeting = access_meeting(request.user, pk)
    form = GroupForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, "未添加：" + "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("committees:meeting", pk=pk)
    data = form.cleaned_data
    return _manage_post(request, pk, lambda: add_group(
        actor=request.user, meeting_id=pk, name=data["name"], level=data["level"], size=data["size"],
        specialty_id=data["specialty"].pk if data["specialty"] else None, directed=data["directed"],
        pass_rate_percent=data["pass_rate_percent"], request=request), "评审组已添加")


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


@login_required
@require_POST
def meeting_assign(request, pk):
    group = _ids([request.POST.get("group", "")])
    return _manage_post(request, pk, lambda: assign_declarations(
        actor=request.user, meeting_id=pk, group_id=group[0] if group else None,
        declaration_ids=_ids(request.POST.getlist("declarations")), request=request), "申报已分配到评审组")


@login_required
@require_POST
def meeting_unassign(request, pk, assignment_pk):
    return _manage_post(request, pk, lambda: remove_assignment(
        actor=request.user, meeting_id=pk, assignment_id=assignment_pk, request=request), "已移出本次会议")


@login_required
@require_POST
def meeting_draw(request, pk):
    return _manage_post(request, pk, lambda: draw_experts(actor=request.user, meeting_id=pk, request=request),
                        "专家已抽取，抽取记录可随时重算核对")


@login_required
def draw_detail(request, pk):
    draw = access_draw(request.user, pk)
    replay = replay_draw(draw)
    chosen = set(draw.result or [])
    snapshot = draw.snapshot or {}
    return render(request, "committees/draw.html", {
        "draw": draw, "replay": replay, "snapshot": snapshot,
        "candidates": [{**c, "chosen": c.get("id") in chosen} for c in snapshot.get("candidates", [])],
        "draws": meeting_draws(draw.meeting),
    })


# --- the expert's own meetings ----------------------------------------------------------------------


@login_required
def my_meetings(request):
    memberships = list(expert_memberships(request.user))
    for member in memberships:
        recused_ids = {r.declaration_id for r in member.recusals.all()}
        member.rows = [{"assignment": a, "recused": a.declaration_id in recused_ids}
                       for a in member.group.assignment_list]
    return render(request, "committees/my_meetings.html", {"memberships": memberships, "form": RecusalForm()})


@login_required
@require_POST
def recuse(request, member_pk):
    form = RecusalForm(request.POST)
    if not form.is_valid():
        messages.error(request, "未声明：请写明回避事由")
        return redirect("committees:my_meetings")
    try:
        declare_recusal(actor=request.user, member_id=member_pk, declaration_id=form.cleaned_data["declaration"],
                        reason=form.cleaned_data["reason"], request=request)
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "已声明回避：您不对该申报评分、不参加表决")
    return redirect("committees:my_meetings")
