"""Writes of the review chain outside the transition table: verifying materials, setting post
quotas, recording and resolving objections to the unit's 公示; the results' 公示, its public
objections and their investigation, bulk approval and the filing (备案). Each locks, checks the actor,
writes its record and the event in one transaction."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import Organisation, Role
from accounts.permissions import has_role, is_system_admin, oversees
from accounts.services import record_event
from config.api import MAX_ID
from config.clock import today
from declarations.flow import Action, State
from declarations.models import Declaration, Material
from declarations.permissions import is_employer_staff, may_verify
from declarations.selectors import access_declaration
from titles.documents import citation
from titles.models import Level
from titles.selectors import access_plan, effective_plan_rules, plan_citations, publicity_end

from .actions import approval_fields, date_field
from .models import (
    MaterialVerification,
    Objection,
    PostQuota,
    ResultApproval,
    ResultFiling,
    ResultPublication,
)
from .selectors import access_publication, access_result_objection

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


def _close_objection(objection, *, actor, upheld: bool, reason: str, action: str, declaration, request,
                     fraud: bool = False) -> None:
    """Record the outcome of a locked, open objection (either 公示) and its event."""
    DeclarationError, _ = _errors()
    if objection.outcome != Objection.Outcome.OPEN:
        raise DeclarationError("OBJECTION", "该异议已处理")
    objection.outcome = Objection.Outcome.UPHELD if upheld else Objection.Outcome.DISMISSED
    objection.reason, objection.resolved_by, objection.resolved_at = reason.strip(), actor, timezone.now()
    objection.fraud = bool(upheld and fraud)
    objection.save()
    record_event(actor=actor, action=action, obj=declaration, request=request,
                 comment=f"{objection.get_outcome_display()}{'（查实弄虚作假）' if objection.fraud else ''}："
                         f"{reason.strip()}")


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
        _close_objection(objection, actor=actor, upheld=upheld, reason=reason, action="resolve_objection",
                         declaration=declaration, request=request)
        if upheld:
            recommendation.holds_place = False
            recommendation.save(update_fields=["holds_place"])
            take_action(actor=actor, declaration_id=declaration.pk, action="not_recommend",
                        payload={"comment": f"公示异议成立：{reason.strip()}"}, request=request)
    return objection



# --- results: 公示, objections, approval, filing (004 四(五), 三; 000 三4) -----------------------------

PHONE = re.compile(r"^[0-9+\-() ]{7,20}$")
TEXT_LIMIT = 2000


def _may_manage(actor, meeting) -> None:
    if not actor.has_perm("reviews.manage_results", meeting):
        raise PermissionDenied("只有评审委员会组建单位所在地的人社部门审核人可以办理评审结果")


def _required_text(value, field: str, label: str, limit: int) -> str:
    _, InvalidInput = _errors()
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        raise InvalidInput({field: f"须填写{label}（不超过 {limit} 字）"})
    return value.strip()


@transaction.atomic
def publish_results(*, actor, meeting_id, request=None) -> ResultPublication:
    """Publish the passed applicants of a closed meeting (its declarations in ``results_publicity``) for
    the rulebook's ``publicity_working_days`` working days from today."""
    from committees.models import MeetingStatus
    from committees.selectors import access_meeting

    DeclarationError, _ = _errors()
    meeting = access_meeting(actor, meeting_id, for_update=True)
    _may_manage(actor, meeting)
    if meeting.status != MeetingStatus.CLOSED:
        raise DeclarationError("MEETING_OPEN", "评审会议结束后才能公示评审结果")
    if ResultPublication.objects.filter(meeting=meeting).exists():
        raise DeclarationError("PUBLISHED", "该评审会议的评审结果已公示")
    passed = list(Declaration.objects.select_for_update().filter(assignments__meeting=meeting,
                                                                 state=State.RESULTS_PUBLICITY).order_by("pk"))
    if not passed:
        raise DeclarationError("NOTHING_TO_PUBLISH", "该评审会议没有评审通过、待公示的申报")
    plan = meeting.plan
    days = effective_plan_rules(region_code=plan.organisation.region_code, year=plan.year).publicity_working_days
    start = today()
    publication = ResultPublication.objects.create(meeting=meeting, starts_on=start,
                                                   ends_on=publicity_end(start, days), working_days=days,
                                                   published_by=actor)
    publication.declarations.set(passed)
    record_event(actor=actor, action="publish_results", obj=publication, request=request,
                 comment=f"{meeting.name}：评审通过 {len(passed)} 人，公示 {days} 个工作日，"
                         f"{publication.starts_on:%Y-%m-%d} 至 {publication.ends_on:%Y-%m-%d}")
    return publication


def _contact(name, phone, email) -> tuple[str, str, str]:
    _, InvalidInput = _errors()
    name = _required_text(name, "contact_name", "反映人姓名", 50)
    phone = (phone or "").strip() if isinstance(phone, str) else phone
    email = (email or "").strip() if isinstance(email, str) else email
    if not isinstance(phone, str) or (phone and not PHONE.match(phone)):
        raise InvalidInput({"contact_phone": "联系电话格式不正确（7 至 20 位数字，可含 +、-、括号）"})
    if not isinstance(email, str) or len(email) > 254:
        raise InvalidInput({"contact_email": "电子邮箱格式不正确"})
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput({"contact_email": "电子邮箱格式不正确"}) from None
    if not phone and not email:
        raise InvalidInput({"contact_phone": "须留下联系电话或电子邮箱，以便核实情况"})
    return name, phone, email


@transaction.atomic
def file_result_objection(*, publication_id, declaration_id, text, contact_name, contact_phone="",
                          contact_email="", request=None) -> Objection:
    """Anyone files an objection (异议) about a listed applicant during the 公示, with their name and a
    phone or e-mail (the pages and the API rate-limit it per client address)."""
    DeclarationError, InvalidInput = _errors()
    publication = ResultPublication.objects.filter(pk=publication_id).first() \
        if isinstance(publication_id, int) and 0 < publication_id <= MAX_ID else None
    if publication is None:
        raise InvalidInput({"publication": "没有该评审结果公示"})
    declaration = publication.declarations.select_for_update().filter(pk=declaration_id).first() \
        if isinstance(declaration_id, int) and 0 < declaration_id <= MAX_ID else None
    if declaration is None:
        raise InvalidInput({"declaration": "请选择公示名单中的人员"})
    text = _required_text(text, "text", "异议内容（反映的问题及线索）", TEXT_LIMIT)
    name, phone, email = _contact(contact_name, contact_phone, contact_email)
    if not publication.starts_on <= today() <= publication.ends_on:
        raise DeclarationError("PROCEDURE_RESULTS", f"评审结果公示期为 {publication.starts_on:%Y-%m-%d} 至 "
                                                    f"{publication.ends_on:%Y-%m-%d}，公示期外不受理异议")
    if declaration.state != State.RESULTS_PUBLICITY:
        raise DeclarationError("STATE", "该人员的评审结果已不在公示中")
    objection = Objection.objects.create(stage=Objection.Stage.RESULTS, publication=publication,
                                         declaration=declaration, text=text, contact_name=name,
                                         contact_phone=phone, contact_email=email)
    record_event(actor=None, action="file_result_objection", obj=declaration, request=request,
                 comment=f"评审结果公示异议（第 {objection.pk} 号）")
    return objection


def resolve_result_objection(*, actor, objection_id, upheld: bool, reason: str, fraud: bool = False,
                             request=None) -> Objection:
    """The bureau records its investigation: dismissed, or upheld, which ends the declaration in
    ``not_passed`` (Action ``overturn``) with the reason and, where fraud was found, a credit record."""
    from declarations.services import take_action

    reason = _required_text(reason, "reason", "调查核实情况和处理理由", TEXT_LIMIT)
    with transaction.atomic():
        objection = access_result_objection(actor, objection_id, for_update=True)
        _may_manage(actor, objection.publication.meeting)
        declaration = access_declaration(actor, objection.declaration_id, for_update=True)
        _close_objection(objection, actor=actor, upheld=upheld, reason=reason, fraud=fraud,
                         action="resolve_result_objection", declaration=declaration, request=request)
        if upheld:
            take_action(actor=actor, declaration_id=declaration.pk, action=Action.OVERTURN,
                        payload={"comment": f"评审结果公示异议成立：{reason}"}, request=request)
            if objection.fraud:
                _record_fraud(actor=actor, declaration=declaration, objection=objection, request=request)
    return objection


def _record_fraud(*, actor, declaration, objection, request=None) -> None:
    """Where an upheld objection found fraud (弄虚作假), the applicant gets a credit record (诚信档案, for the
    rulebook's ``credit_record_years``, seeds 001 四(四), 003 15), which the eligibility BAN rule reads
    at their next declaration. Runs inside the resolving transaction."""
    from accounts.services import record_credit

    record_credit(actor=actor, subject=declaration.applicant, kind="applicant",
                  reason=f"评审结果公示异议第 {objection.pk} 号查实弄虚作假：{objection.reason}",
                  basis=citation(plan_citations(declaration.plan), "PROCEDURE_RESULTS"),
                  source=f"评审结果公示异议第 {objection.pk} 号", request=request)


def approve_results(*, actor, publication_id, document_number, approved_on=None, declaration_ids=None,
                    request=None) -> tuple[list[int], list[tuple[int, str]]]:
    """Bulk approval of a publication's declarations (those still in ``results_publicity``, or the given
    ones), each through ``take_action(approve)`` with the approval document's number and date. Answers
    (approved ids, [(id, why refused)]); one refusal does not stop the others."""
    from declarations.services import take_action

    _, InvalidInput = _errors()
    publication = access_publication(actor, publication_id)
    _may_manage(actor, publication.meeting)
    payload = {"document_number": document_number, "approved_on": approved_on}
    approval_fields(payload, publication)  # a malformed number or date is one 400, not a refusal per row
    targets = publication.declarations.filter(state=State.RESULTS_PUBLICITY).order_by("pk")
    if declaration_ids is not None:
        if not isinstance(declaration_ids, list | tuple) or not all(
                isinstance(i, int) and 0 < i <= MAX_ID for i in declaration_ids):
            raise InvalidInput({"declarations": "应为申报编号的列表"})
        targets = targets.filter(pk__in=declaration_ids)
    approved, refused = [], []
    for pk in targets.values_list("pk", flat=True):
        try:
            take_action(actor=actor, declaration_id=pk, action=Action.APPROVE, payload=payload, request=request)
        except DomainError as exc:
            refused.append((pk, exc.message))
        except PermissionDenied as exc:
            refused.append((pk, str(exc) or "您不是该申报此环节的办理人"))
        else:
            approved.append(pk)
    return approved, refused


def _after_approval(*, actor, declaration, approval, request=None) -> None:
    """After approval the certificate is issued (seed 002 二(三)4: e-certificates equal to paper), by the
    worker after the commit (certificates.services.issue_on_approval: through the outbox), with the
    approval document's number and date."""
    from certificates.services import issue_on_approval

    issue_on_approval(actor=actor, declaration=declaration, approval_document=approval.document_number,
                      approved_on=approval.approved_on)


@transaction.atomic
def record_filing(*, actor, approval_id, filed_with, filing_number, filed_on, request=None) -> ResultFiling:
    """备案: the approved results filed with the level above (seed 004 三, 000 三4), its number and date."""
    DeclarationError, InvalidInput = _errors()
    approval = ResultApproval.objects.select_for_update(of=("self",)).filter(pk=approval_id).first() \
        if isinstance(approval_id, int) and 0 < approval_id <= MAX_ID else None
    if approval is None:
        raise Http404("没有该审批记录")
    publication = access_publication(actor, approval.publication_id)
    _may_manage(actor, publication.meeting)
    filed_with = _required_text(filed_with, "filed_with", "备案机关", 200)
    filing_number = _required_text(filing_number, "filing_number", "备案编号", 100)
    filed_on = date_field(filed_on, "filed_on", "备案日期")
    if filed_on < approval.approved_on or filed_on > today():
        raise InvalidInput({"filed_on": f"备案日期应在审批日期 {approval.approved_on:%Y-%m-%d} 与今天之间"})
    if ResultFiling.objects.filter(approval=approval).exists():
        raise DeclarationError("FILED", f"审批文号 {approval.document_number} 已登记备案")
    filing = ResultFiling.objects.create(approval=approval, filed_with=filed_with, filing_number=filing_number,
                                         filed_on=filed_on, filed_by=actor)
    record_event(actor=actor, action="record_result_filing", obj=publication, request=request,
                 comment=f"{approval.document_number} 报 {filed_with} 备案，编号 {filing_number}，{filed_on:%Y-%m-%d}")
    return filing
