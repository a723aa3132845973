"""Pages of committees at work: the expert's workspace (assigned declarations once the meeting opens,
materials through the material gate, the score form autosaved as the expert types, the secret ballot),
the secretary's proceedings (open, attendance, 答辩, ballot, tally, sign-off, close) and the bureau's
indicator menu. Objects come through the gates, writes through ``committees.scoring`` and ``.voting``."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.errors import DomainError
from declarations.models import DeclarationVersion
from titles.documents import citation
from titles.models import Level, Series
from titles.selectors import plan_citations

from .models import Assignment, BallotBox, Choice, Dimension, MeetingStatus, Score, ScoreKind, VoterRoll
from .scoring import (
    menu_for,
    own_score,
    record_defence_attendance,
    save_menu,
    save_score,
    schedule_defence,
    submit_score,
    summary_for_expert,
)
from .selectors import access_meeting, expert_seat, meeting_groups, workspace_assignments
from .views import _refused
from .voting import (
    attendance_of,
    cast_ballot,
    close_ballot,
    close_meeting,
    has_voted,
    open_ballot,
    open_meeting,
    record_attendance,
    sign_off_tally,
    vote_progress,
)


def _carry_out(request, call, done: str, to):
    """Run one service call from a page: its refusal as a message naming the rule, or ``done``; then ``to``."""
    try:
        call()
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, done)
    return to


@login_required
def workspace(request):
    rows = workspace_assignments(request.user)
    members = {row.member.pk for row in rows}
    scores = {s.declaration_id: s for s in Score.objects.filter(member_id__in=members, kind=ScoreKind.REVIEW)}
    voted = set(VoterRoll.objects.filter(member_id__in=members).values_list("declaration_id", flat=True))
    for row in rows:
        row.score, row.voted = scores.get(row.declaration_id), row.declaration_id in voted
    return render(request, "committees/workspace.html", {"rows": rows})


def _seat_or_404(request, declaration_pk):
    member = expert_seat(request.user, declaration_pk)
    if member is None:
        raise Http404("该申报不在您当前评审会议的评审任务中")
    return member


def _score_form(request, declaration, menu, kind, errors=None):
    score = own_score(request.user, declaration.pk, kind)
    points = (score.points if score else {}) or {}
    comments = (score.comments if score else {}) or {}
    rows = [{"dimension": d, "points": points.get(d.dimension, ""), "comment": comments.get(d.dimension, ""),
             "error": (errors or {}).get(f"points.{d.dimension}", "")} for d in menu.dimensions.all()] if menu else []
    return {"kind": kind, "kind_label": ScoreKind(kind).label, "score": score, "rows": rows,
            "comment": score.comment if score else "",
            "summary": summary_for_expert(request.user, declaration, kind), "errors": errors or {}}


@login_required
def workspace_declaration(request, declaration_pk):
    member = _seat_or_404(request, declaration_pk)
    assignment = Assignment.objects.select_related(
        "declaration__applicant", "declaration__employer", "declaration__specialty", "declaration__series",
        "declaration__plan__organisation").get(group_id=member.group_id, declaration_id=declaration_pk)
    declaration = assignment.declaration
    version = DeclarationVersion.objects.filter(declaration=declaration).order_by("-number").first()
    snapshot = version.snapshot if version else {}
    profile = snapshot.get("profile", {})
    achievements = sorted(profile.get("achievements", []), key=lambda a: not a.get("representative"))
    citations = plan_citations(declaration.plan)
    checks = [{"passed": c.get("passed"), "message": c.get("message", ""), "source": citation(citations, c.get("rule", ""))}
              for c in (snapshot.get("verdict") or {}).get("checks", [])]
    menu = menu_for(declaration.series_id, declaration.level)
    kinds = [ScoreKind.REVIEW]
    defence = member.meeting.defences.filter(declaration=declaration).first()
    if defence is not None:
        kinds.append(ScoreKind.DEFENCE)
    box = BallotBox.objects.filter(meeting=member.meeting).first()
    present = attendance_of(member.meeting).get(member.pk, False)
    return render(request, "committees/workspace_declaration.html", {
        "member": member, "meeting": member.meeting, "declaration": declaration, "achievements": achievements,
        "checks": checks, "materials": declaration.materials.order_by("kind", "pk"), "menu": menu,
        "forms": [_score_form(request, declaration, menu, k) for k in kinds], "defence": defence,
        "may_vote": member.meeting.status == MeetingStatus.VOTING and box is not None and box.closed_at is None
        and present and not has_voted(request.user, member.meeting_id, declaration.pk),
        "voted": has_voted(request.user, member.meeting_id, declaration.pk), "choices": Choice.choices,
    })


def _posted_points(request, menu):
    points = {d.dimension: request.POST.get(f"points_{d.dimension}", "").strip() for d in menu.dimensions.all()}
    comments = {d.dimension: request.POST.get(f"comment_{d.dimension}", "") for d in menu.dimensions.all()}
    return points, comments


@login_required
@require_POST
def score_save(request, declaration_pk, kind):
    """The autosave (htmx, as the expert types) and the plain form's save: a draft, never after submitting."""
    _seat_or_404(request, declaration_pk)
    declaration = Assignment.objects.select_related("declaration").filter(declaration_id=declaration_pk).first()
    menu = menu_for(declaration.declaration.series_id, declaration.declaration.level)
    if menu is None or kind not in ScoreKind.values:
        raise Http404("没有评价指标")
    points, comments = _posted_points(request, menu)
    errors, saved = {}, None
    try:
        saved = save_score(actor=request.user, declaration_id=declaration_pk, kind=kind, points=points,
                           comments=comments, comment=request.POST.get("comment", ""), request=request)
    except DomainError as exc:
        errors = {k: "；".join(v) if isinstance(v, list | tuple) else str(v) for k, v in exc.errors.items()}
    if request.headers.get("HX-Request"):  # 200 either way: htmx swaps the status beside the form
        return render(request, "committees/_score_status.html", {"kind": kind, "saved": saved, "errors": errors})
    if errors:
        messages.error(request, "未保存：" + "；".join(errors.values()))
    else:
        messages.success(request, "评分已保存")
    return redirect("committees:workspace_declaration", declaration_pk=declaration_pk)


@login_required
@require_POST
def score_submit(request, declaration_pk, kind):
    """Submit the form as it stands (saved first, so a keystroke the autosave has not sent yet counts)."""
    _seat_or_404(request, declaration_pk)
    try:
        assignment = Assignment.objects.select_related("declaration").filter(declaration_id=declaration_pk).first()
        menu = menu_for(assignment.declaration.series_id, assignment.declaration.level)
        if menu is not None and any(key.startswith("points_") for key in request.POST):
            points, comments = _posted_points(request, menu)
            save_score(actor=request.user, declaration_id=declaration_pk, kind=kind, points=points, comments=comments,
                       comment=request.POST.get("comment", ""), request=request)
        submit_score(actor=request.user, declaration_id=declaration_pk, kind=kind, request=request)
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{ScoreKind(kind).label}评分已提交（提交后不可修改）")
    return redirect("committees:workspace_declaration", declaration_pk=declaration_pk)


@login_required
@require_POST
def vote(request, declaration_pk):
    member = _seat_or_404(request, declaration_pk)
    return _carry_out(request, lambda: cast_ballot(
        actor=request.user, meeting_id=member.meeting_id, declaration_id=declaration_pk,
        choice=request.POST.get("choice", ""), request=request), "已投票（无记名）",
        redirect("committees:workspace_declaration", declaration_pk=declaration_pk))


# --- the secretary's proceedings ---------------------------------------------------------------------


@login_required
def proceedings(request, pk):
    meeting = access_meeting(request.user, pk)
    if not request.user.has_perm("committees.oversee_meeting", meeting):
        raise PermissionDenied("只有评委会秘书和人社部门可以查看会议议程")
    box = BallotBox.objects.filter(meeting=meeting).first()
    attendance = attendance_of(meeting)
    groups = meeting_groups(meeting)
    for group in groups:
        for m in group.member_list:
            m.present = attendance.get(m.pk)
    defences = {d.declaration_id: d for d in meeting.defences.all()}
    voted = vote_progress(meeting)
    for group in groups:
        for a in group.assignment_list:
            a.defence, a.voted = defences.get(a.declaration_id), voted.get(a.declaration_id, 0)
    return render(request, "committees/proceedings.html", {
        "meeting": meeting, "box": box, "groups": groups,
        "may_manage": request.user.has_perm("committees.manage_meeting", meeting),
        "tallies": meeting.tallies.select_related("declaration__applicant", "group").order_by("group", "declaration"),
        "present": sum(1 for v in attendance.values() if v),
        "members": sum(len(g.member_list) for g in groups),
    })


STEPS = {
    "open": (open_meeting, "评审会议已开始，专家可查看分配的申报"),
    "ballot_open": (open_ballot, "已开始投票"),
    "ballot_close": (close_ballot, "已结束投票并计票"),
    "sign_off": (sign_off_tally, "计票结果已签认"),
    "close": (close_meeting, "评审会议已结束，各申报已按计票结果办理"),
}


@login_required
@require_POST
def proceedings_step(request, pk, step):
    if step not in STEPS:
        raise Http404("没有该步骤")
    service, done = STEPS[step]
    return _carry_out(request, lambda: service(actor=request.user, meeting_id=pk, request=request), done,
                      redirect("committees:proceedings", pk=pk))


@login_required
@require_POST
def proceedings_attendance(request, pk):
    meeting = access_meeting(request.user, pk)

    @transaction.atomic
    def record_all():  # every member's row or none
        for member in meeting.members.order_by("pk"):
            record_attendance(actor=request.user, meeting_id=pk, member_id=member.pk,
                              present=request.POST.get(f"present_{member.pk}") == "on", request=request)

    return _carry_out(request, record_all, "出席情况已登记", redirect("committees:proceedings", pk=pk))


@login_required
@require_POST
def proceedings_defence(request, pk):
    try:
        declaration_pk = int(request.POST.get("declaration", ""))
        if "attended" in request.POST:
            record_defence_attendance(actor=request.user, meeting_id=pk, declaration_id=declaration_pk,
                                      attended=request.POST["attended"] == "yes", request=request)
        else:
            try:
                starts = timezone.make_aware(datetime.fromisoformat(request.POST.get("starts_at", "")))
            except ValueError:
                starts = None
            schedule_defence(actor=request.user, meeting_id=pk, declaration_id=declaration_pk, starts_at=starts,
                             place=request.POST.get("place", ""), request=request)
    except ValueError:
        messages.error(request, "未办理：请选择申报")
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "答辩安排已保存")
    return redirect("committees:proceedings", pk=pk)


# --- the bureau's indicator menu ------------------------------------------------------------------


@login_required
def indicators(request):
    if not request.user.has_perm("committees.edit_indicators"):
        raise PermissionDenied("只有人社部门审核人可以维护评价指标")
    series = Series.objects.order_by("sort_order", "pk")
    try:
        series_id = int(request.GET.get("series") or request.POST.get("series") or series.first().pk)
    except (TypeError, ValueError, AttributeError):
        raise Http404("没有该系列") from None
    level = request.GET.get("level") or request.POST.get("level") or Level.INTERMEDIATE
    menu = menu_for(series_id, level)
    if request.method == "POST":
        dimensions = [{"dimension": code, "weight": request.POST.get(f"weight_{code}"),
                       "max_points": request.POST.get(f"max_{code}"),
                       "works_over_counts": request.POST.get(f"works_{code}") == "on",
                       "guidance": request.POST.get(f"guidance_{code}", "")}
                      for code in Dimension.values if request.POST.get(f"use_{code}") == "on"]
        try:
            save_menu(actor=request.user, series_id=series_id, level=level, name=request.POST.get("name", ""),
                      note=request.POST.get("note", ""), dimensions=dimensions, request=request)
        except DomainError as exc:
            _refused(request, exc)
        else:
            messages.success(request, "评价指标已保存")
            return redirect(f"{request.path}?series={series_id}&level={level}")
    current = {d.dimension: d for d in menu.dimensions.all()} if menu else {}
    rows = [{"code": code, "label": label, "row": current.get(code)} for code, label in Dimension.choices]
    return render(request, "committees/indicators.html", {
        "series_list": series, "series_id": series_id, "levels": Level.choices, "level": level, "menu": menu,
        "rows": rows, "history": menu.history.order_by("-history_date")[:10] if menu else [],
    })
