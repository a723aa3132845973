"""The meeting at work, run by the committee secretary: open it (experts see their assignments from
now), record attendance, open the secret ballot (only with a quorum), close it, sign off the tally and
close the meeting, which carries out each verdict through the declaration flow's one transition table
(``pass_review`` / ``fail_review``). Experts cast ballots in between.

Secrecy (无记名投票): ``cast_ballot`` writes who voted (``VoterRoll``) and the choice (``Ballot``, no link to
the expert) in one transaction, and its event names the meeting and the declaration, never the choice
or a ballot. Closing the ballot rewrites the meeting's ballots in a random order with new keys in one
transaction, so no row position or inserting transaction id ties a ballot to the roll row beside it.
"""

import contextvars
import secrets
import uuid

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.errors import CONFLICT, NOT_FOUND
from accounts.services import record_event
from declarations.flow import Action, State
from declarations.services import InvalidInput, take_action
from titles.plan_rules import PlanProblem
from titles.selectors import effective_plan_rules, plan_citations

from .models import (
    Assignment,
    Attendance,
    Ballot,
    BallotBox,
    Choice,
    Meeting,
    MeetingMember,
    MeetingStatus,
    Recusal,
    Score,
    ScoreKind,
    Tally,
    VoterRoll,
)
from .scoring import menu_for, weighted_total
from .selectors import access_meeting
from .services import MeetingError

# The meeting whose close-meeting service is carrying out the verdicts now: the flow's pass_review and
# fail_review handlers refuse outside it (``committees.actions``).
closing_meeting: contextvars.ContextVar[int | None] = contextvars.ContextVar("closing_meeting", default=None)


def _state_error(meeting, what: str) -> InvalidInput:
    return InvalidInput({"meeting": f"评审会议{meeting.get_status_display()}，{what}"}, code="MEETING_STATE",
                        kind=CONFLICT)


def _managed(actor, meeting_id, refusal: str) -> Meeting:
    meeting = access_meeting(actor, meeting_id, for_update=True)
    if not actor.has_perm("committees.manage_meeting", meeting):
        raise PermissionDenied(refusal)
    return meeting


def _rules(meeting):
    plan = meeting.plan
    return effective_plan_rules(region_code=plan.organisation.region_code, year=plan.year)


def _box(meeting) -> BallotBox | None:
    return BallotBox.objects.select_for_update().filter(meeting=meeting).first()


@transaction.atomic
def open_meeting(*, actor, meeting_id, request=None) -> Meeting:
    meeting = _managed(actor, meeting_id, "只有该评审委员会办事机构的评委会秘书可以开始评审会议")
    if meeting.status != MeetingStatus.DRAWN:
        raise _state_error(meeting, "不能开始（须已抽取专家、尚未开始）")
    meeting.status, meeting.opened_at = MeetingStatus.OPEN, timezone.now()
    meeting.save(update_fields=["status", "opened_at"])
    record_event(actor=actor, action="open_meeting", obj=meeting, from_state=MeetingStatus.DRAWN,
                 to_state=MeetingStatus.OPEN, request=request)
    return meeting


@transaction.atomic
def record_attendance(*, actor, meeting_id, member_id, present: bool, request=None) -> Attendance:
    """Record a drawn member present or absent (only the member themself counts: no proxy), before the
    ballot opens."""
    meeting = _managed(actor, meeting_id, "只有该评审委员会办事机构的评委会秘书可以登记出席情况")
    if meeting.status != MeetingStatus.OPEN:
        raise _state_error(meeting, "只能在会议开始后、投票开始前登记出席情况")
    member = meeting.members.select_related("expert__user").filter(pk=member_id).first()
    if member is None:
        raise InvalidInput({"member": "该专家不是本次会议抽取的评审专家"}, kind=NOT_FOUND)
    row, _ = Attendance.objects.update_or_create(meeting=meeting, member=member,
                                                 defaults={"present": bool(present), "recorded_by": actor})
    record_event(actor=actor, action="record_attendance", obj=meeting, request=request,
                 comment=f"{member.expert.user.real_name}：{'出席' if present else '缺席'}")
    return row


def quorum_problem(meeting, rules, members: int, present: int) -> PlanProblem | None:
    """Fewer present than the quorum fraction of the members (integer arithmetic: present·den ≥ num·members)."""
    if members and present * rules.quorum_denominator >= rules.quorum_numerator * members:
        return None
    return PlanProblem("MEETING_QUORUM", f"出席专家 {present} 人，不足评审专家 {members} 人的 "
                       f"{rules.quorum_numerator}/{rules.quorum_denominator}，不能投票表决", "rulebook")


@transaction.atomic
def open_ballot(*, actor, meeting_id, request=None) -> BallotBox:
    meeting = _managed(actor, meeting_id, "只有该评审委员会办事机构的评委会秘书可以开始投票")
    if meeting.status != MeetingStatus.OPEN:
        raise _state_error(meeting, "不能开始投票")
    rules = _rules(meeting)
    members = meeting.members.count()
    present = Attendance.objects.filter(meeting=meeting, present=True).count()
    problem = quorum_problem(meeting, rules, members, present)
    if problem is not None:
        raise MeetingError("出席人数不足，不能开始投票", [problem], code=problem.rule, kind=CONFLICT,
                           citations=plan_citations(meeting.plan))
    box = BallotBox.objects.create(
        meeting=meeting, members=members, present=present, opened_by=actor, opened_at=timezone.now(),
        quorum=f"{rules.quorum_numerator}/{rules.quorum_denominator}",
        pass_share=f"{rules.ballot_pass_numerator}/{rules.ballot_pass_denominator}")
    meeting.status = MeetingStatus.VOTING
    meeting.save(update_fields=["status"])
    record_event(actor=actor, action="open_ballot", obj=meeting, from_state=MeetingStatus.OPEN,
                 to_state=MeetingStatus.VOTING, request=request, comment=f"出席 {present}/{members}")
    return box


@transaction.atomic
def cast_ballot(*, actor, meeting_id, declaration_id, choice: str, request=None) -> None:
    """One secret ballot of an attending, unrecused expert on a declaration of their group, while the ballot
    is open: the roll row and the ballot in one transaction; returns nothing a caller could keep."""
    if choice not in Choice.values:
        raise InvalidInput({"choice": f"表决意见应为：{'、'.join(Choice.labels)}"})
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    member = (MeetingMember.objects.select_for_update(of=("self",)).select_related("meeting")
              .filter(meeting_id=meeting_id, expert__user=actor).first()) if actor.is_authenticated else None
    if meeting is None or member is None:
        raise InvalidInput({"meeting": "您不是本次会议的评审专家"}, kind=NOT_FOUND)
    box = BallotBox.objects.filter(meeting=meeting).first()
    if meeting.status != MeetingStatus.VOTING or box is None or box.closed_at is not None:
        raise InvalidInput({"meeting": "投票未开始或已结束，不能投票"}, code="BALLOT_CLOSED", kind=CONFLICT)
    if not Attendance.objects.filter(meeting=meeting, member=member, present=True).exists():
        raise InvalidInput({"member": "您未登记出席本次会议，不能投票（不得委托他人投票）"}, code="MEETING_QUORUM",
                           kind=CONFLICT)
    if not Assignment.objects.filter(group_id=member.group_id, declaration_id=declaration_id).exists():
        raise InvalidInput({"declaration": "该申报不在您的评审组"}, kind=NOT_FOUND)
    if Recusal.objects.filter(member=member, declaration_id=declaration_id).exists():
        raise InvalidInput({"declaration": "您已对该申报声明回避，不能投票"}, code="EXPERT_DRAW", kind=CONFLICT)
    try:
        with transaction.atomic():
            VoterRoll.objects.create(meeting=meeting, declaration_id=declaration_id, member=member)
    except IntegrityError as exc:
        raise InvalidInput({"declaration": "您已对该申报投票，每人一票"}, code="BALLOT_CAST", kind=CONFLICT) from exc
    Ballot.objects.create(meeting=meeting, declaration_id=declaration_id, choice=choice)
    record_event(actor=actor, action="cast_ballot", obj=meeting, request=request,
                 comment=f"已对 {declaration_id} 号申报投票")


def has_voted(actor, meeting_id, declaration_id) -> bool:
    return VoterRoll.objects.filter(meeting_id=meeting_id, declaration_id=declaration_id,
                                    member__expert__user=actor).exists()


def _reseal(meeting) -> None:
    """Rewrite the meeting's ballots in a random order with new keys, in one transaction."""
    ballots = list(Ballot.objects.filter(meeting=meeting).values_list("declaration_id", "choice"))
    Ballot.objects.filter(meeting=meeting).delete()
    secrets.SystemRandom().shuffle(ballots)
    Ballot.objects.bulk_create([Ballot(id=uuid.uuid4(), meeting=meeting, declaration_id=d, choice=c)
                                for d, c in ballots])


def count_votes(meeting, rules) -> list[Tally]:
    """The tally of each assigned declaration (unsaved): approvals against the attending, unrecused experts of
    its group; a directed (双定向) group's own pass rate caps how many of the group pass."""
    assignments = list(meeting.assignments.select_related("group", "declaration").order_by("group", "pk"))
    present = {a.member_id for a in Attendance.objects.filter(meeting=meeting, present=True)}
    members = {}
    for member in meeting.members.all():
        if member.pk in present:
            members.setdefault(member.group_id, set()).add(member.pk)
    recused = {}
    for recusal in Recusal.objects.filter(member__meeting=meeting):
        recused.setdefault(recusal.declaration_id, set()).add(recusal.member_id)
    counts = {(row["declaration_id"], row["choice"]): row["n"]
              for row in Ballot.objects.filter(meeting=meeting).values("declaration_id", "choice").annotate(n=Count("id"))}
    num, den = rules.ballot_pass_numerator, rules.ballot_pass_denominator
    tallies = []
    for assignment in assignments:
        d = assignment.declaration_id
        eligible = len(members.get(assignment.group_id, set()) - recused.get(d, set()))
        approvals, against, abstain = (counts.get((d, c), 0) for c in (Choice.FOR, Choice.AGAINST, Choice.ABSTAIN))
        passed = eligible > 0 and approvals * den >= num * eligible
        reason = (f"同意 {approvals} 票，出席且未回避的评审专家 {eligible} 人，"
                  f"{'达到' if passed else '未达到'} {num}/{den}")
        tallies.append(Tally(meeting=meeting, declaration_id=d, group=assignment.group, eligible=eligible,
                             approvals=approvals, against=against, abstentions=abstain,
                             not_voted=max(eligible - approvals - against - abstain, 0), passed=passed,
                             reason=reason))
    _cap_directed(meeting, tallies)
    return tallies


def _cap_directed(meeting, tallies: list[Tally]) -> None:
    """In a directed group with its own pass rate, at most ⌊n × rate / 100⌋ of its n declarations pass: those
    with the most approvals, then the highest average review score."""
    by_group = {}
    for tally in tallies:
        if tally.group.directed and tally.group.pass_rate_percent is not None:
            by_group.setdefault(tally.group_id, []).append(tally)
    for rows in by_group.values():
        group = rows[0].group
        places = len(rows) * group.pass_rate_percent // 100
        passing = sorted((t for t in rows if t.passed),
                         key=lambda t: (-t.approvals, -_average_total(meeting, t.declaration_id), t.declaration_id))
        for tally in passing[places:]:
            tally.passed = False
            tally.reason = f"{tally.reason}；超出双定向评审组通过率 {group.pass_rate_percent}%（{places} 个名额）"[:300]


def _average_total(meeting, declaration_id) -> float:
    scores = list(Score.objects.filter(member__meeting=meeting, declaration_id=declaration_id, kind=ScoreKind.REVIEW,
                                       submitted_at__isnull=False).select_related("declaration"))
    if not scores:
        return 0.0
    menu = menu_for(scores[0].declaration.series_id, scores[0].declaration.level)
    return sum(weighted_total(menu, s.points) for s in scores) / len(scores) if menu else 0.0


@transaction.atomic
def close_ballot(*, actor, meeting_id, request=None) -> list[Tally]:
    """No ballot after this: the ballots are resealed and counted into one tally per declaration."""
    meeting = _managed(actor, meeting_id, "只有该评审委员会办事机构的评委会秘书可以结束投票")
    box = _box(meeting)
    if meeting.status != MeetingStatus.VOTING or box is None or box.closed_at is not None:
        raise _state_error(meeting, "投票未开始或已结束")
    box.closed_at = timezone.now()
    box.save(update_fields=["closed_at"])
    _reseal(meeting)
    tallies = Tally.objects.bulk_create(count_votes(meeting, _rules(meeting)))
    record_event(actor=actor, action="close_ballot", obj=meeting, request=request,
                 comment=f"{sum(t.passed for t in tallies)}/{len(tallies)} 份申报达到通过票数")
    return tallies


@transaction.atomic
def sign_off_tally(*, actor, meeting_id, request=None) -> BallotBox:
    """The secretary signs the tally, attendance and quorum off: the tally rows are immutable from now."""
    meeting = _managed(actor, meeting_id, "只有该评审委员会办事机构的评委会秘书可以签认计票结果")
    box = _box(meeting)
    if box is None or box.closed_at is None:
        raise _state_error(meeting, "投票尚未结束，不能签认计票结果")
    if box.signed_off_at is not None:
        raise _state_error(meeting, "计票结果已签认")
    box.signed_off_by, box.signed_off_at = actor, timezone.now()
    box.save(update_fields=["signed_off_by", "signed_off_at"])
    record_event(actor=actor, action="sign_off_tally", obj=meeting, request=request,
                 comment=f"出席 {box.present}/{box.members}（法定人数 {box.quorum}），通过比例 {box.pass_share}")
    return box


@transaction.atomic
def close_meeting(*, actor, meeting_id, request=None) -> Meeting:
    """Close the meeting: each assigned declaration still in ``committee_review`` takes ``pass_review`` or
    ``fail_review`` through ``declarations.services.take_action`` on its signed-off tally."""
    meeting = _managed(actor, meeting_id, "只有该评审委员会办事机构的评委会秘书可以结束评审会议")
    box = _box(meeting)
    if meeting.status != MeetingStatus.VOTING or box is None or box.signed_off_at is None:
        raise _state_error(meeting, "计票结果签认后才能结束会议")
    tallies = list(meeting.tallies.select_related("declaration").order_by("declaration_id"))
    token = closing_meeting.set(meeting.pk)
    try:
        for tally in tallies:
            if tally.declaration.state != State.COMMITTEE_REVIEW:
                continue
            take_action(actor=actor, declaration_id=tally.declaration_id,
                        action=Action.PASS_REVIEW if tally.passed else Action.FAIL_REVIEW,
                        payload={"tally": tally.pk}, request=request)
    finally:
        closing_meeting.reset(token)
    meeting.status, meeting.closed_at = MeetingStatus.CLOSED, timezone.now()
    meeting.save(update_fields=["status", "closed_at"])
    record_event(actor=actor, action="close_meeting", obj=meeting, from_state=MeetingStatus.VOTING,
                 to_state=MeetingStatus.CLOSED, request=request,
                 comment=f"通过 {sum(t.passed for t in tallies)} 份，未通过 {sum(not t.passed for t in tallies)} 份")
    return meeting


def vote_progress(meeting) -> dict[int, int]:
    """How many have voted on each declaration (from the roll; never what they chose)."""
    return dict(VoterRoll.objects.filter(meeting=meeting).values_list("declaration_id")
                .annotate(n=Count("id")).values_list("declaration_id", "n"))


def attendance_of(meeting) -> dict[int, bool]:
    return dict(Attendance.objects.filter(meeting=meeting).values_list("member_id", "present"))



