"""The sweeps of the review chain: every date of the calendar that the chain must keep.

Dates come from the plan's phases (``titles.models.PlanPhase``, kinds in ``titles.plan_rules.PHASES``)
and from the rulebook (``PlanRules``) of the plan's region and year; a deadline's day itself still
belongs to it (a window ending 09-30 is open all of 09-30; the sweep acts from 10-01). State changes
go through the transition table (``declarations.bulk.take_system_action``); the other sweeps only
mark or record, in bulk.

What "08-01 opens the new year" (002 五(三)) means here: nothing to switch. Plans carry their year,
a declaration belongs to its plan's year, and a new year's declarations open when that year's
published plan's declaration window opens (``declarations.services.outside_window``); the one
declaration a year rule counts per year. The 07-31 sweep only closes what the previous year left.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, F, OuterRef, Subquery

from declarations.bulk import take_system_action, update_returning
from declarations.flow import Action, State, system_sources
from declarations.models import Declaration
from reviews.models import CorrectionNotice, LateStep, Objection, Recommendation
from titles.models import PlanPhase, ReviewPlan
from titles.plan_rules import PHASE_LABELS
from titles.selectors import RulesByScope

from .phases import phase_end, plans_ending
from .registry import SweepResult, register

# --- 1. the declaration window closed: drafts are marked 已过申报期 ------------------------------


@register("expire_drafts", "申报期已过的草稿")
def expire_drafts(today: date) -> SweepResult:
    """Drafts whose plan's declaration window ended before today: marked expired, still drafts
    (submitting is refused by the window, ``outside_window``)."""
    result = SweepResult()
    ids = update_returning(Declaration.objects.filter(plan_id__in=plans_ending("declaration", end__lt=today),
                                                      state=State.DRAFT, expired_on__isnull=True),
                           expired_on=today)
    result.add("标记为已过申报期", ids)
    return result


# --- 2. and 3. steps not done by their phase's end (002 二(二)4, 001 三(五)) -----------------------

# The organisation whose step a declaration waits at, by state: a field path of the declaration.
STEP_ORGANISATION = {
    State.EMPLOYER_REVIEW: "employer_id", State.UNIT_PUBLICITY: "employer_id", State.RETURNED: "employer_id",
    State.DEPARTMENT_REVIEW: "employer__parent_id", State.BUREAU_REVIEW: "plan__organisation_id",
    State.COMMITTEE_REVIEW: "plan__organisation_id", State.RESULTS_PUBLICITY: "plan__organisation_id",
}
# 002 二(二)4: what the employer has not pushed by the end of its phase stays behind, and so for the
# competent department; each phase names the states that are that organisation's step.
PUSH_PHASES = {
    "employer_review": (State.EMPLOYER_REVIEW, State.UNIT_PUBLICITY),
    "department_audit": (State.DEPARTMENT_REVIEW,),
}


def _record_late(result: SweepResult, label: str, rows: list[dict], phase: str, today: date) -> None:
    late = [LateStep(declaration_id=row["pk"], plan_id=row["plan_id"], organisation_id=row["organisation"],
                     state=row["state"], phase=phase, deadline=row["deadline"], recorded_on=today)
            for row in rows if row["organisation"] is not None]
    LateStep.objects.bulk_create(late)
    result.add(label, [step.declaration_id for step in late])


def _not_recorded(phase: str):
    return ~Exists(LateStep.objects.filter(declaration=OuterRef("pk"), phase=phase))


@register("push_deadlines", "逾期未推送（滞留本环节）")
def push_deadlines(today: date) -> SweepResult:
    """Declarations still at an employer's step after the plan's ``employer_review`` phase, or at a
    department's after ``department_audit``: they stay where they are (no state change) and a
    ``LateStep`` names the organisation whose step missed the date, once."""
    result = SweepResult()
    for phase, states in PUSH_PHASES.items():
        rows = list(Declaration.objects.filter(plan_id__in=plans_ending(phase, end__lt=today), state__in=states)
                    .annotate(deadline=phase_end(phase)).filter(_not_recorded(phase)).order_by("pk")
                    .values("pk", "plan_id", "state", "deadline", organisation=F(STEP_ORGANISATION[states[0]])))
        _record_late(result, f"{PHASE_LABELS[phase]}逾期未推送", rows, phase, today)
    return result


@register("initial_cutoff", "初定截止")
def initial_cutoff(today: date) -> SweepResult:
    """初定 closes on the plan's ``initial`` phase end, or else on ``PlanRules.initial_end`` of the
    plan's year (001 三(五)): unsubmitted 初定 drafts are marked expired; submitted ones still in the
    chain get a ``LateStep`` naming the organisation whose step holds them."""
    result = SweepResult()
    scopes = RulesByScope()
    plans = (ReviewPlan.objects.filter(declarations__route="initial",
                                       declarations__state__in=system_sources(Action.TERMINATE))
             .annotate(phase_end=Subquery(PlanPhase.objects.filter(plan=OuterRef("pk"), kind="initial")
                                          .values("end")[:1]))
             .values("pk", "year", "phase_end", "organisation__region_code").distinct())
    cutoffs = {}
    for plan in plans:
        end = plan["phase_end"] or date(plan["year"], *scopes.plan_rules(plan["organisation__region_code"],
                                                                          plan["year"]).initial_end)
        if end < today:
            cutoffs[plan["pk"]] = end
    if not cutoffs:
        return result
    initial = Declaration.objects.filter(route="initial", plan_id__in=list(cutoffs))
    drafts = update_returning(initial.filter(state=State.DRAFT, expired_on__isnull=True), expired_on=today)
    result.add("初定草稿标记为已过申报期", drafts)
    for state, organisation in STEP_ORGANISATION.items():
        rows = list(initial.filter(state=state).filter(_not_recorded("initial")).order_by("pk")
                    .values("pk", "plan_id", "state", organisation=F(organisation)))
        for row in rows:
            row["deadline"] = cutoffs[row["plan_id"]]
        _record_late(result, f"初定截止时仍在{State(state).label}", rows, "initial", today)
    return result


# --- 4. a correction not made by its deadline: 视为放弃申报 (004 四(三)) ---------------------------


@register("abandon_corrections", "逾期未补正（视为放弃申报）")
def abandon_corrections(today: date) -> SweepResult:
    result = SweepResult()
    open_deadline = Subquery(CorrectionNotice.objects.filter(declaration=OuterRef("pk"), resubmitted_at__isnull=True)
                             .order_by("-pk").values("deadline")[:1])
    returned = (Declaration.objects.filter(state=State.RETURNED).annotate(deadline=open_deadline)
                .filter(deadline__lt=today))
    ids = take_system_action(
        action=Action.ABANDON, declarations=returned, fields=("deadline",),
        comment=lambda row: f"补正期限 {row['deadline']:%Y-%m-%d} 已过，未补正提交，视为放弃申报", parallel=True)
    result.add("视为放弃申报", ids)
    return result


# --- 5. the unit's 公示 over: ready to forward (可推送) -------------------------------------------


@register("unit_publicity_ready", "单位推荐公示期满")
def unit_publicity_ready(today: date) -> SweepResult:
    """Recommendations whose 公示 ended before today without an open objection are marked ready; the
    employer admin still forwards them (``forward`` stays a human action) and is told once."""
    from accounts.models import Role, RoleMembership
    from accounts.notifications import notify_many

    result = SweepResult()
    rows = list(Recommendation.objects.filter(declaration__state=State.UNIT_PUBLICITY, ready_on__isnull=True,
                                              publicity_end__lt=today)
                .exclude(Exists(Objection.objects.filter(recommendation=OuterRef("pk"), outcome=Objection.Outcome.OPEN)))
                .order_by("pk").values("pk", "declaration_id", "declaration__employer_id", "publicity_end"))
    if rows:
        Recommendation.objects.filter(pk__in=[row["pk"] for row in rows]).update(ready_on=today)
        admins: dict[int, list[int]] = {}
        for employer_id, user_id in RoleMembership.objects.filter(
                role=Role.EMPLOYER_ADMIN, organisation_id__in={row["declaration__employer_id"] for row in rows}
        ).values_list("organisation_id", "user_id"):
            admins.setdefault(employer_id, []).append(user_id)
        from django.urls import reverse

        notify_many([{"recipient_id": user_id, "key": f"publicity-over:{row['pk']}",
                      "title": f"可推送：申报 {row['declaration_id']} 的单位推荐公示已于 {row['publicity_end']:%Y-%m-%d} 期满",
                      "body": "公示期满且无未处理的异议，请推送上报。",
                      "link": reverse("declarations:detail", args=[row["declaration_id"]])}
                     for row in rows for user_id in admins.get(row["declaration__employer_id"], [])])
    result.add("公示期满，可推送", [row["declaration_id"] for row in rows])
    return result


# --- 6. 07-31: the previous year's unfinished declarations are terminated (002 五(三)) -------------


@register("terminate_unfinished", "上一年度未完成的申报终止")
def terminate_unfinished(today: date) -> SweepResult:
    """On ``PlanRules.terminate_unfinished_on`` (07-31) of the year after a plan's year, every
    declaration of that plan still in a non-final state (drafts included) is terminated."""
    result = SweepResult()
    scopes = RulesByScope()
    sources = system_sources(Action.TERMINATE)
    plans = (ReviewPlan.objects.filter(year__lt=today.year, declarations__state__in=sources)
             .values("pk", "year", "organisation__region_code").distinct())
    cutoffs = {}
    for plan in plans:
        rules = scopes.plan_rules(plan["organisation__region_code"], plan["year"])
        cutoff = date(plan["year"] + 1, *rules.terminate_unfinished_on)
        if cutoff <= today:
            cutoffs[plan["pk"]] = cutoff
    if not cutoffs:
        return result
    ids = take_system_action(
        action=Action.TERMINATE, declarations=Declaration.objects.filter(plan_id__in=list(cutoffs)),
        fields=("plan_id", "year"), scopes=scopes, parallel=True,
        comment=lambda row: f"{row['year']} 年度的申报至 {cutoffs[row['plan_id']]:%Y-%m-%d} 仍未完成，终止")
    result.add("终止", ids)
    return result


# Expiring credit records and expert suspensions: none needed while they are date-based (the
# eligibility engine and the expert draw compare their dates with today). Should one become a flag,
# register its sweep here the same way.
