"""Scoring against the indicator menu (菜单式, seed 003 3): the bureau edits the menu; an expert saves a
score as they type and submits it once; then it is locked; 答辩 sessions are scheduled and scored the
same way (``ScoreKind.DEFENCE``). Other experts' scores stay hidden until one's own is submitted, and
then only the meeting's summary (averages per dimension) is shown."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.errors import CONFLICT, NOT_FOUND
from accounts.services import record_event
from declarations.services import InvalidInput
from titles.models import Level, Series

from .models import (
    Assignment,
    DefenceSession,
    Dimension,
    IndicatorDimension,
    IndicatorMenu,
    MeetingMember,
    MeetingStatus,
    Score,
    ScoreKind,
)
from .selectors import access_meeting, expert_seat

WEIGHT_TOTAL = 100  # the weights of a menu's dimensions are percentages of the total score
MAX_POINTS = 1000
COMMENT_LIMIT = 2000


# --- the indicator menu ---------------------------------------------------------------------------


def _dimension_rows(dimensions) -> list[dict]:
    if not isinstance(dimensions, list) or not dimensions:
        raise InvalidInput({"dimensions": "请至少设置一个评价维度"})
    rows, seen = [], set()
    for index, row in enumerate(dimensions, 1):
        if not isinstance(row, dict) or row.get("dimension") not in Dimension.values:
            raise InvalidInput({"dimensions": f"第 {index} 行的评价维度应为：{'、'.join(Dimension.labels)}"})
        code = row["dimension"]
        if code in seen:
            raise InvalidInput({"dimensions": f"评价维度“{Dimension(code).label}”重复"})
        seen.add(code)
        try:
            weight, max_points = int(row.get("weight")), int(row.get("max_points"))
        except (TypeError, ValueError):
            raise InvalidInput({"dimensions": f"“{Dimension(code).label}”的权重和满分应为整数"}) from None
        if not 0 < weight <= WEIGHT_TOTAL:
            raise InvalidInput({"dimensions": f"“{Dimension(code).label}”的权重应在 1–{WEIGHT_TOTAL} 之间"})
        if not 0 < max_points <= MAX_POINTS:
            raise InvalidInput({"dimensions": f"“{Dimension(code).label}”的满分应在 1–{MAX_POINTS} 之间"})
        rows.append({"dimension": code, "weight": weight, "max_points": max_points,
                     "works_over_counts": bool(row.get("works_over_counts")),
                     "guidance": str(row.get("guidance") or "").strip()[:500], "position": index})
    total = sum(r["weight"] for r in rows)
    if total != WEIGHT_TOTAL:
        raise InvalidInput({"dimensions": f"各维度权重之和应为 {WEIGHT_TOTAL}%，现为 {total}%"})
    return rows


@transaction.atomic
def save_menu(*, actor, series_id, level: str, name: str, dimensions, note: str = "", request=None) -> IndicatorMenu:
    """The bureau creates or replaces the menu of one series and level (the history keeps each version)."""
    if not actor.has_perm("committees.edit_indicators"):
        raise PermissionDenied("只有人社部门审核人可以维护评价指标")
    series = Series.objects.filter(pk=series_id).first()
    if series is None:
        raise InvalidInput({"series": "请选择系列"})
    if level not in Level.values:
        raise InvalidInput({"level": f"层级应为：{'、'.join(Level.labels)}"})
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput({"name": "请填写名称（不超过 200 字）"})
    rows = _dimension_rows(dimensions)
    menu = IndicatorMenu.objects.select_for_update().filter(series=series, level=level).first()
    if menu is None:
        menu = IndicatorMenu(series=series, level=level)
    menu.name, menu.note, menu.updated_by = name, (note or "").strip()[:2000], actor
    menu.save()
    kept = {d.dimension: d for d in menu.dimensions.all()}
    for row in rows:
        dimension = kept.pop(row["dimension"], None) or IndicatorDimension(menu=menu, dimension=row["dimension"])
        for field, value in row.items():
            setattr(dimension, field, value)
        dimension.save()
    for dimension in kept.values():
        dimension.delete()
    record_event(actor=actor, action="save_indicator_menu", obj=menu,
                 comment="；".join(f"{Dimension(r['dimension']).label} {r['weight']}%" for r in rows), request=request)
    return menu


def menu_for(series_id, level) -> IndicatorMenu | None:
    return (IndicatorMenu.objects.filter(series_id=series_id, level=level)
            .prefetch_related("dimensions").first())


# --- scores --------------------------------------------------------------------------------------


def _seat(actor, declaration_id, kind) -> tuple[MeetingMember, IndicatorMenu]:
    """The actor's seat for scoring the declaration (404 when it is not theirs to score now)."""
    if kind not in ScoreKind.values:
        raise InvalidInput({"kind": f"评分类别应为：{'、'.join(ScoreKind.labels)}"})
    member = expert_seat(actor, declaration_id)
    if member is None:
        raise InvalidInput({"declaration": "该申报不在您当前评审会议的评审任务中（或您已声明回避）"}, kind=NOT_FOUND)
    declaration = Assignment.objects.select_related("declaration").get(
        group_id=member.group_id, declaration_id=declaration_id).declaration
    if kind == ScoreKind.DEFENCE and not DefenceSession.objects.filter(
            meeting_id=member.meeting_id, declaration_id=declaration_id).exists():
        raise InvalidInput({"kind": "该申报未安排答辩，不能评答辩分"}, code="MEETING_STATE", kind=CONFLICT)
    menu = menu_for(declaration.series_id, declaration.level)
    if menu is None:
        raise InvalidInput({"menu": "人社部门尚未设置该系列和层级的评价指标"}, code="MEETING_STATE", kind=CONFLICT)
    return member, menu


def _clean_points(menu, points, comments, *, complete: bool) -> tuple[dict, dict]:
    limits = {d.dimension: d for d in menu.dimensions.all()}
    if not isinstance(points, dict) or not isinstance(comments, dict):
        raise InvalidInput({"points": "各维度得分应为“维度: 分数”的对象"})
    cleaned, errors = {}, {}
    for code, value in points.items():
        if code not in limits:
            errors[f"points.{code}"] = "该维度不在评价指标中"
            continue
        if value in (None, ""):
            continue
        label = limits[code].get_dimension_display()
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            number = None
        if number is None or not number.is_finite() or number != number.quantize(Decimal("0.1")) \
                or not 0 <= number <= limits[code].max_points:
            errors[f"points.{code}"] = f"“{label}”得分应为 0–{limits[code].max_points} 之间的数（至多一位小数）"
            continue
        cleaned[code] = float(number)
    texts = {}
    for code, text in comments.items():
        if code not in limits or not isinstance(text, str) or len(text) > COMMENT_LIMIT or "\x00" in text:
            errors[f"comments.{code}"] = f"评语应为不超过 {COMMENT_LIMIT} 字的文字"
        elif text.strip():
            texts[code] = text.strip()
    if complete:
        for code, dimension in limits.items():
            if code not in cleaned:
                errors[f"points.{code}"] = f"请为“{dimension.get_dimension_display()}”评分"
    if errors:
        raise InvalidInput(errors)
    return cleaned, texts


def _locked(score) -> InvalidInput:
    return InvalidInput({"score": f"评分已于 {timezone.localtime(score.submitted_at):%Y-%m-%d %H:%M} 提交，不可修改"},
                        code="SCORE_SUBMITTED", kind=CONFLICT)


@transaction.atomic
def save_score(*, actor, declaration_id, kind=ScoreKind.REVIEW, points=None, comments=None, comment="",
               request=None) -> Score:
    """Save the expert's draft (as they type; partial scores allowed); refused once submitted."""
    member, menu = _seat(actor, declaration_id, kind)
    points, comments = _clean_points(menu, points or {}, comments or {}, complete=False)
    if not isinstance(comment, str) or len(comment) > COMMENT_LIMIT:
        raise InvalidInput({"comment": f"总体评语应为不超过 {COMMENT_LIMIT} 字的文字"})
    _lock_seat(member)
    score = Score.objects.select_for_update().filter(member=member, declaration_id=declaration_id, kind=kind).first()
    if score is None:
        score = Score(member=member, declaration_id=declaration_id, kind=kind, menu=menu, points=points,
                      comments=comments, comment=comment.strip())
        try:
            with transaction.atomic():
                score.save()
        except IntegrityError as exc:  # a second tab saved the first draft at the same moment
            raise InvalidInput({"score": "评分正在另一处保存，请刷新后重试"}, kind=CONFLICT) from exc
        return score
    # a draft only: the condition holds in the UPDATE itself, so an autosave racing the submission loses
    if not Score.objects.filter(pk=score.pk, submitted_at__isnull=True).update(
            points=points, comments=comments, comment=comment.strip(), updated_at=timezone.now()):
        score.refresh_from_db()
        raise _locked(score)
    score.refresh_from_db()
    return score


def _lock_seat(member) -> None:
    """Saves and the submission of one member's scores take turns (the member's row lock)."""
    MeetingMember.objects.select_for_update().filter(pk=member.pk).first()


@transaction.atomic
def submit_score(*, actor, declaration_id, kind=ScoreKind.REVIEW, request=None) -> Score:
    """Submit the saved score once: every dimension scored; then it is locked for good."""
    member, menu = _seat(actor, declaration_id, kind)
    _lock_seat(member)
    score = (Score.objects.select_for_update().filter(member=member, declaration_id=declaration_id, kind=kind)
             .first())
    if score is None:
        raise InvalidInput({"points": "请先评分"})
    if score.submitted:
        raise _locked(score)
    _clean_points(menu, score.points, score.comments, complete=True)
    if not Score.objects.filter(pk=score.pk, submitted_at__isnull=True).update(submitted_at=timezone.now()):
        score.refresh_from_db()
        raise _locked(score)
    score.refresh_from_db()
    record_event(actor=actor, action="submit_score", obj=score.declaration, request=request,
                 comment=f"{member.meeting.name} · {score.get_kind_display()}评分已提交")
    return score


def own_score(actor, declaration_id, kind=ScoreKind.REVIEW) -> Score | None:
    return Score.objects.filter(member__expert__user=actor, declaration_id=declaration_id, kind=kind).first()


def weighted_total(menu, points: dict) -> float:
    """The score out of 100: each dimension's points over its maximum, times its weight."""
    return round(sum(d.weight * points.get(d.dimension, 0) / d.max_points for d in menu.dimensions.all()), 2)


@dataclass(frozen=True)
class ScoreSummary:
    """The meeting's summary of one declaration's submitted scores: averages only, never one expert's."""

    count: int
    averages: list[tuple[str, float]]
    total: float | None


def summary(declaration, kind=ScoreKind.REVIEW, meeting_id=None) -> ScoreSummary:
    menu = menu_for(declaration.series_id, declaration.level)
    scores = Score.objects.filter(declaration=declaration, kind=kind, submitted_at__isnull=False)
    if meeting_id is not None:
        scores = scores.filter(member__meeting_id=meeting_id)
    scores = list(scores)
    if menu is None or not scores:
        return ScoreSummary(len(scores), [], None)
    averages = [(d.get_dimension_display(), round(sum(s.points.get(d.dimension, 0) for s in scores) / len(scores), 2))
                for d in menu.dimensions.all()]
    total = round(sum(weighted_total(menu, s.points) for s in scores) / len(scores), 2)
    return ScoreSummary(len(scores), averages, total)


def summary_for_expert(actor, declaration, kind=ScoreKind.REVIEW) -> ScoreSummary | None:
    """The summary an expert may see: none until their own score of this kind is submitted."""
    score = own_score(actor, declaration.pk, kind)
    if score is None or not score.submitted:
        return None
    return summary(declaration, kind, meeting_id=score.member.meeting_id)


# --- 答辩 sessions ------------------------------------------------------------------------------


@transaction.atomic
def schedule_defence(*, actor, meeting_id, declaration_id, starts_at, place: str, request=None) -> DefenceSession:
    meeting = access_meeting(actor, meeting_id, for_update=True)
    if not actor.has_perm("committees.manage_meeting", meeting):
        raise PermissionDenied("只有该评审委员会办事机构的评委会秘书可以安排答辩")
    if meeting.status == MeetingStatus.CLOSED:
        raise InvalidInput({"meeting": "评审会议已结束"}, code="MEETING_STATE", kind=CONFLICT)
    if not meeting.assignments.filter(declaration_id=declaration_id).exists():
        raise InvalidInput({"declaration": "该申报未分配到本次会议"})
    place = (place or "").strip()
    if not place or starts_at is None:
        raise InvalidInput({"place": "请填写答辩时间和地点"})
    defence, _ = DefenceSession.objects.update_or_create(
        meeting=meeting, declaration_id=declaration_id,
        defaults={"starts_at": starts_at, "place": place[:200], "scheduled_by": actor})
    record_event(actor=actor, action="schedule_defence", obj=defence.declaration, request=request,
                 comment=f"{meeting.name} · {timezone.localtime(starts_at):%Y-%m-%d %H:%M} {place[:100]}")
    return defence


@transaction.atomic
def record_defence_attendance(*, actor, meeting_id, declaration_id, attended: bool, request=None) -> DefenceSession:
    meeting = access_meeting(actor, meeting_id, for_update=True)
    if not actor.has_perm("committees.manage_meeting", meeting):
        raise PermissionDenied("只有该评审委员会办事机构的评委会秘书可以登记答辩到场情况")
    defence = meeting.defences.filter(declaration_id=declaration_id).first()
    if defence is None:
        raise InvalidInput({"declaration": "该申报未安排答辩"}, kind=NOT_FOUND)
    defence.attended = bool(attended)
    defence.save(update_fields=["attended"])
    record_event(actor=actor, action="defence_attendance", obj=defence.declaration, request=request,
                 comment=f"{meeting.name} · 答辩{'到场' if attended else '未到场'}")
    return defence
