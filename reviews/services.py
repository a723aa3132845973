"""Writes of the review chain outside the transition table: verifying materials, setting post
quotas, recording and resolving objections to the unit's 公示. Each locks, checks the actor,
writes its record and the event in one transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import Organisation, Role
from accounts.permissions import has_role, is_system_admin, oversees
from accounts.services import record_event
from declarations.flow import State
from declarations.models import Material
from declarations.permissions import is_employer_staff, may_verify
from declarations.selectors import access_declaration
from titles.models import Level
from titles.selectors import access_plan

from .models import MaterialVerification, Objection, PostQuota

VERDICTS = dict(MaterialVerification.Verdict.choices)


def _errors():
    from declarations.services import DeclarationError, InvalidInput

    return DeclarationError, InvalidInput


def _employer_admin(actor, declaration) -> None:
    if not has_role(actor, Role.EMPLOYER_ADMIN, declaration.employer):
        raise PermissionDenied("只有申报单位的管理员可以办理")


@transaction.atomic
def verify_material(*, actor, material_id, verdict: str, comment: str = "", request=None) -> MaterialVerification:
    """属实 / 与原件相符 / 有误, signed with the handler's name and the system's time (002 二(二)3)."""
    DeclarationError, InvalidInput = _errors()
    material = Material.objects.filter(pk=material_id).only("declaration_id").first()
    if material is None:
        raise Http404("没有该材料")
    declaration = access_declaration(actor, material.declaration_id, for_update=True)
    if not is_employer_staff(actor, declaration):
        raise PermissionDenied("只有申报单位的经办人或管理员可以审查材料")
    if not may_verify(actor, declaration):
        raise DeclarationError("STATE", f"申报处于“{declaration.get_state_display()}”状态，不能审查材料")
    if verdict not in VERDICTS:
        raise InvalidInput({"verdict": f"审查结论无效：{verdict!r}；可选：true（属实）、matches_original（与原件相符）、wrong（有误）"})
    if not isinstance(comment, str) or len(comment) > 500 or "\x00" in comment:
        raise InvalidInput({"comment": "意见应为不超过 500 字的文字"})
    if verdict == MaterialVerification.Verdict.WRONG and not comment.strip():
        raise InvalidInput({"comment": "审查结论为“有误”时须写明问题"})
    material = declaration.materials.get(pk=material_id)
    row = MaterialVerification.objects.create(
        material=material, verdict=verdict, comment=comment.strip(), signer=actor,
        signer_name=actor.real_name or actor.username, organisation=declaration.employer)
    record_event(actor=actor, action="verify_material", obj=declaration, request=request,
                 comment=f"{material.display_name}：{VERDICTS[verdict]}" + (f"（{comment.strip()}）" if comment else ""))
    return row


@transaction.atomic
def set_quota(*, actor, plan_id, employer_id, level: str, places: int, directed: bool = False,
              request=None) -> PostQuota:
    """岗位核定: the department above the employer, or the bureau, sets its recommendation places."""
    DeclarationError, InvalidInput = _errors()
    plan = access_plan(actor, plan_id)
    employer = Organisation.objects.filter(pk=employer_id).first()
    if employer is None:
        raise Http404("没有该单位")
    parent = employer.parent
    allowed = is_system_admin(actor) or (parent is not None and oversees(actor, parent) and (
        has_role(actor, Role.DEPT_REVIEWER, parent) or any(
            has_role(actor, Role.BUREAU_REVIEWER, org) for org in _ancestors(parent))))
    if not allowed:
        raise PermissionDenied("只有单位的主管部门或人社部门可以核定推荐名额")
    if level not in Level.values:
        raise InvalidInput({"level": f"层级无效：{level!r}"})
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 100000:
        raise InvalidInput({"places": "推荐名额应为 0 至 100000 的整数"})
    quota = PostQuota.objects.select_for_update().filter(plan=plan, employer=employer, level=level,
                                                         directed=directed).first()
    before = None if quota is None else quota.places
    if quota is not None:
        taken = quota.recommendations.filter(holds_place=True).count()
        if places < taken:
            raise DeclarationError("QUOTA", f"已推荐 {taken} 人，名额不能少于已占用的数量")
        quota.places, quota.set_by = places, actor
        quota.save(update_fields=["places", "set_by", "updated_at"])
    else:
        quota = PostQuota.objects.create(plan=plan, employer=employer, level=level, directed=directed,
                                         places=places, set_by=actor)
    record_event(actor=actor, action="set_quota", obj=quota, from_state="" if before is None else str(before),
                 to_state=str(places), request=request)
    return quota


def _ancestors(organisation):
    node = organisation
    while node is not None:
        yield node
        node = node.parent


def _recommendation_for_admin(actor, declaration_id):
    DeclarationError, _ = _errors()
    declaration = access_declaration(actor, declaration_id, for_update=True)
    _employer_admin(actor, declaration)
    recommendation = getattr(declaration, "recommendation", None)
    if declaration.state != State.UNIT_PUBLICITY or recommendation is None:
        raise DeclarationError("STATE", "只有推荐公示中的申报可以登记和处理异议")
    return declaration, recommendation


@transaction.atomic
def record_objection(*, actor, declaration_id, text: str, request=None) -> Objection:
    _, InvalidInput = _errors()
    declaration, recommendation = _recommendation_for_admin(actor, declaration_id)
    if not isinstance(text, str) or not text.strip() or len(text) > 2000 or "\x00" in text:
        raise InvalidInput({"text": "须填写异议内容（不超过 2000 字）"})
    objection = Objection.objects.create(recommendation=recommendation, text=text.strip(), recorded_by=actor)
    record_event(actor=actor, action="record_objection", obj=declaration, comment=text.strip(), request=request)
    return objection


def resolve_objection(*, actor, objection_id, upheld: bool, reason: str, request=None) -> Objection:
    """Dismiss, or uphold: an upheld objection ends the declaration as not recommended, with its
    reason, and frees the place it held."""
    from declarations.services import take_action

    DeclarationError, InvalidInput = _errors()
    found = Objection.objects.filter(pk=objection_id).select_related("recommendation").first()
    if found is None:
        raise Http404("没有该异议")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 2000:
        raise InvalidInput({"reason": "须填写处理理由（不超过 2000 字）"})
    with transaction.atomic():
        declaration, recommendation = _recommendation_for_admin(actor, found.recommendation.declaration_id)
        objection = recommendation.objections.select_for_update().get(pk=objection_id)
        if objection.outcome != Objection.Outcome.OPEN:
            raise DeclarationError("OBJECTION", "该异议已处理")
        objection.outcome = Objection.Outcome.UPHELD if upheld else Objection.Outcome.DISMISSED
        objection.reason, objection.resolved_by, objection.resolved_at = reason.strip(), actor, timezone.now()
        objection.save()
        record_event(actor=actor, action="resolve_objection", obj=declaration, request=request,
                     comment=f"{objection.get_outcome_display()}：{reason.strip()}")
        if upheld:
            recommendation.holds_place = False
            recommendation.save(update_fields=["holds_place"])
            take_action(actor=actor, declaration_id=declaration.pk, action="not_recommend",
                        payload={"comment": f"公示异议成立：{reason.strip()}"}, request=request)
    return objection

