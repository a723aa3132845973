"""Writes that mean something in titles: holiday schedules, plan publication and amendments."""

from dataclasses import asdict, replace

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.errors import CONFLICT, INVALID, DomainError
from accounts.services import record_event
from outbox.services import enqueue

from .documents import citation
from .models import PlanAmendment, PlanPhase, ReviewPlan, RulebookVersion, WorkingDaySchedule
from .plan_rules import PHASE_LABELS, PhaseFacts
from .rendering import RENDER_PLAN_DOCUMENT
from .selectors import access_plan, access_rulebook, plan_citations, plan_facts, plan_problems
from .validators import date_in_range
from .workdays import parse_schedule


@transaction.atomic
def store_schedule(*, actor, year, holidays, workdays, source: str = "", reason: str = "") -> WorkingDaySchedule:
    """Store (or replace) one year's holiday schedule; the history keeps every earlier entry.

    National data: the system admin's (``actor=None`` is the operator's ``working_days load``).
    An existing year is locked; a new year has no row to lock, so when two requests create it at
    once the unique year makes one of them fail, and it retries as a replacement of the other's.
    """
    if actor is not None and not rules.has_perm("titles.manage_national_data", actor):
        raise PermissionDenied("节假日安排为全国数据，只能由系统管理员维护")
    schedule = parse_schedule(year, holidays, workdays)
    for retry in (False, True):
        entry = WorkingDaySchedule.objects.select_for_update().filter(year=year).first()
        before = "" if entry is None else f"{len(entry.holidays)} 节假日 / {len(entry.workdays)} 调休"
        entry = entry or WorkingDaySchedule(year=year)
        entry.holidays = sorted(d.isoformat() for d in schedule.holidays)
        entry.workdays = sorted(d.isoformat() for d in schedule.workdays)
        entry.source = source or entry.source
        entry._change_reason = reason
        try:
            with transaction.atomic():
                entry.save()
            break
        except IntegrityError:
            if retry or entry.pk is not None:
                raise
    record_event(actor=actor, action="store_holiday_schedule", obj=entry, from_state=before,
                 to_state=f"{len(entry.holidays)} 节假日 / {len(entry.workdays)} 调休", comment=reason)
    return entry


class PlanError(DomainError):
    """A plan transition refused, with a ``code``; ``problems`` lists every rule broken (code, message,
    source), and the message cites each rule's document from the plan's rulebook (``citations``), never a
    code."""

    field = "plan"

    def __init__(self, message: str, problems=(), *, code: str, kind: str = INVALID, field: str | None = None,
                 citations=None):
        self.problems = list(problems)
        self.citations = dict(citations or {})
        detail = "；".join(f"[{p.rule}] {p.message}（依据：{citation(self.citations, p.rule)}）" for p in self.problems)
        text = f"{message}：{detail}" if detail else message
        super().__init__(text, code=code, kind=kind, errors={field or self.field: [text]})

    def as_dict(self) -> dict:
        return {**super().as_dict(), "problems": [{**asdict(p), "document": citation(self.citations, p.rule)}
                                                  for p in self.problems]}


def _lock_plan(actor, plan_id, permission: str, refusal: str, *, code: str):
    """The locked plan, once the actor answers for it (else 403) and ``permission`` allows the action in
    the plan's state (else ``PlanError(refusal)``): the same permission the page's button asks."""
    plan = access_plan(actor, plan_id, for_update=True)
    if not actor.has_perm("titles.manage_plan", plan):
        raise PermissionDenied("只有发布单位的人社部门审核人可以发布或修订该评审方案")
    if not actor.has_perm(permission, plan):
        raise PlanError(refusal, code=code, kind=CONFLICT)
    return plan


def _render_after_commit(plan_id) -> None:
    """The worker renders the plan's PDF; the outbox row commits with the change, so it is never lost."""
    enqueue(kind=RENDER_PLAN_DOCUMENT, payload={"plan_id": plan_id})


def _snapshot(facts) -> dict:
    return {
        "issued_on": facts.issued_on.isoformat() if facts.issued_on else None,
        "phases": {p.kind: [p.start.isoformat(), p.end.isoformat()] for p in facts.phases},
    }


@transaction.atomic
def publish_plan(*, actor, plan_id, request=None):
    """Draft → published, only when no calendar rule is broken (the error names each rule)."""
    plan = _lock_plan(actor, plan_id, "titles.publish_plan", "该方案已发布；已发布的方案只能通过修订变更",
                      code="already_published")
    problems = plan_problems(plan)
    if problems:
        raise PlanError("方案不符合评审规则，不能发布", problems, code="calendar_rules_broken",
                        citations=plan_citations(plan))
    plan.status = ReviewPlan.Status.PUBLISHED
    plan.published_at = timezone.now()
    plan._change_reason = "发布"
    plan.save(update_fields=["status", "published_at"])
    record_event(actor=actor, action="publish_plan", obj=plan, from_state=ReviewPlan.Status.DRAFT,
                 to_state=ReviewPlan.Status.PUBLISHED, request=request)
    _render_after_commit(plan.pk)
    return plan


@transaction.atomic
def amend_plan(*, actor, plan_id, reason: str, phases: dict | None = None, issued_on=None, request=None):
    """Change a published plan's phase dates (``{kind: (start, end)}``) or issue date.

    The amended plan must still satisfy every calendar rule; the change is recorded as a
    ``PlanAmendment`` with the plan before and after, and in the event log.
    """
    if not (reason or "").strip():
        raise PlanError("修订已发布的方案必须填写修订理由", code="reason_required", field="reason")
    plan = _lock_plan(actor, plan_id, "titles.amend_plan", "草稿方案可直接编辑，无需修订", code="not_published")
    outside = [f"{PHASE_LABELS.get(kind, kind)} {day}" for kind, days in (phases or {}).items() for day in days
               if not date_in_range(day)] + ([f"印发日期 {issued_on}"] if not date_in_range(issued_on) else [])
    if outside:
        raise PlanError(f"日期超出可受理的范围（{'、'.join(outside)}）", code="date_out_of_range")
    before = plan_facts(plan)
    current = {p.kind: p for p in before.phases}
    for kind, (start, end) in (phases or {}).items():
        current[kind] = PhaseFacts(kind=kind, start=start, end=end)
    after = replace(before, phases=tuple(current.values()), issued_on=issued_on or before.issued_on)
    if _snapshot(after) == _snapshot(before):
        raise PlanError("修订内容与现行方案相同", code="no_change")
    problems = plan_problems(plan, after)
    if problems:
        raise PlanError("修订后的方案不符合评审规则", problems, code="calendar_rules_broken",
                        citations=plan_citations(plan))
    for kind, (start, end) in (phases or {}).items():
        PlanPhase.objects.update_or_create(plan=plan, kind=kind, defaults={"start": start, "end": end})
    if issued_on and issued_on != plan.issued_on:
        plan.issued_on = issued_on
        plan._change_reason = f"修订：{reason}"
        plan.save(update_fields=["issued_on"])
    number = plan.amendments.count() + 1
    amendment = PlanAmendment.objects.create(plan=plan, number=number, reason=reason.strip(),
                                             before=_snapshot(before), after=_snapshot(after),
                                             actor=actor if actor.is_authenticated else None)
    record_event(actor=actor, action="amend_plan", obj=plan, from_state=plan.status, to_state=plan.status,
                 comment=f"第 {number} 次修订：{reason.strip()}", request=request)
    _render_after_commit(plan.pk)
    return amendment


# --- rulebook versions: an active version is never edited; a new version is made and activated ---


class RulebookError(Exception):
    """A rulebook transition refused, with a message the user can read."""


def _lock_rulebook(actor, rulebook_id):
    rulebook = access_rulebook(actor, rulebook_id, for_update=True)
    if not rules.has_perm("titles.manage_rulebook", actor, rulebook):
        scope = "全国规则库只能由系统管理员维护" if not rulebook.region_code else "只有本地区人社部门审核人可以维护该规则库"
        raise PermissionDenied(scope)
    return rulebook


@transaction.atomic
def copy_rulebook(*, actor, rulebook_id, request=None) -> RulebookVersion:
    """A new draft version of a rulebook layer with the same numbers, to be edited then activated."""
    source = _lock_rulebook(actor, rulebook_id)
    scope = RulebookVersion.objects.select_for_update().filter(region_code=source.region_code, year=source.year)
    number = max(v.version for v in scope) + 1
    draft = RulebookVersion.objects.create(
        name=source.name, region_code=source.region_code, year=source.year, version=number,
        status=RulebookVersion.Status.DRAFT, eligibility=source.eligibility, calendar=source.calendar,
        materials=source.materials, citations=source.citations, source=source.source,
    )
    record_event(actor=actor, action="copy_rulebook", obj=draft, to_state=draft.status,
                 comment=f"由第 {source.version} 版复制", request=request)
    return draft


@transaction.atomic
def activate_rulebook(*, actor, rulebook_id, request=None) -> RulebookVersion:
    """Draft → active; the layer's version active before is retired. Every invalid part is named."""
    rulebook = _lock_rulebook(actor, rulebook_id)
    if rulebook.status != RulebookVersion.Status.DRAFT:
        raise RulebookError("只有草稿版本可以生效；生效中的版本请先复制为新版本再修改")
    try:
        rulebook.clean()
    except ValidationError as exc:
        raise RulebookError("规则库内容无效：" + "；".join(
            f"{field}：{'，'.join(messages)}" for field, messages in exc.message_dict.items())) from exc
    previous = RulebookVersion.objects.select_for_update().filter(
        region_code=rulebook.region_code, year=rulebook.year, status=RulebookVersion.Status.ACTIVE)
    for old in previous:
        old.status = RulebookVersion.Status.RETIRED
        old._change_reason = f"被第 {rulebook.version} 版取代"
        old.save(update_fields=["status"])
        record_event(actor=actor, action="retire_rulebook", obj=old, from_state=RulebookVersion.Status.ACTIVE,
                     to_state=old.status, comment=f"被第 {rulebook.version} 版取代", request=request)
    rulebook.status = RulebookVersion.Status.ACTIVE
    rulebook._change_reason = "生效"
    rulebook.save(update_fields=["status"])
    record_event(actor=actor, action="activate_rulebook", obj=rulebook, from_state=RulebookVersion.Status.DRAFT,
                 to_state=rulebook.status, request=request)
    return rulebook

