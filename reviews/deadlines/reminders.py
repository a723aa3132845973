"""Reminders before each deadline, to whoever still has to act (in-app and e-mail, through the outbox).

A deadline is reminded from ``PlanRules.reminder_working_days`` working days before it until its
day: the applicant with an open correction (the notice's deadline), the employer's handlers with
unverified materials (the plan's ``employer_review`` phase end), and the reviewers with declarations
waiting at their step (the end of their phase). Each person is reminded once per deadline: the
notification's key names the deadline, and a (recipient, key) is written once
(``accounts.Notification``'s unique constraint; ``notify_many`` skips what was sent).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef
from django.urls import reverse

from accounts.models import Role, RoleMembership
from accounts.notifications import notify_many
from declarations.flow import State
from declarations.models import Declaration, Material
from reviews.models import CorrectionNotice, MaterialVerification
from titles.plan_rules import PHASE_LABELS
from titles.selectors import RulesByScope, stored_calendar
from titles.workdays import YearNotCovered

from .phases import phase_end, plans_ending
from .registry import REMINDER, SweepResult, register


class Horizon:
    """Whether a deadline is due for its reminder today, by the rulebook of the plan's region and year.

    When the holiday schedule of a year the count runs into is not entered yet, weekdays count as
    working days (the reminder comes a little early rather than not at all) and ``note`` says so."""

    def __init__(self, today: date):
        self.today, self.scopes, self.calendar = today, RulesByScope(), stored_calendar()
        self._ends: dict[int, date] = {}
        self.note = ""
        self.furthest = self._end(self.scopes.largest("reminder_working_days"))

    def _end(self, days: int) -> date:
        if days not in self._ends:
            try:
                self._ends[days] = self.calendar.add(self.today, days)
            except YearNotCovered as exc:
                self.note = f"{exc}；提醒日期按周一至周五计算"
                day, left = self.today, days
                while left:
                    day += timedelta(days=1)
                    left -= day.weekday() < 5
                self._ends[days] = day
        return self._ends[days]

    def due(self, deadline: date, region_code: str, year: int) -> bool:
        days = self.scopes.plan_rules(region_code, year).reminder_working_days
        return self.today <= deadline <= self._end(days)


@register("remind_corrections", "补正期限提醒（申报人）", group=REMINDER)
def remind_corrections(today: date) -> SweepResult:
    result, horizon = SweepResult(), Horizon(today)
    rows = [row for row in CorrectionNotice.objects.filter(
        declaration__state=State.RETURNED, resubmitted_at__isnull=True, deadline__gte=today,
        deadline__lte=horizon.furthest).order_by("pk").values(
        "pk", "deadline", "declaration_id", "declaration__applicant_id", "declaration__year",
        "declaration__plan__organisation__region_code")
        if horizon.due(row["deadline"], row["declaration__plan__organisation__region_code"], row["declaration__year"])]
    created = notify_many([
        {"recipient_id": row["declaration__applicant_id"], "key": f"reminder:correction:{row['pk']}",
         "title": f"提醒：申报 {row['declaration_id']} 的补正期限为 {row['deadline']:%Y-%m-%d}",
         "body": "请在期限内按一次性告知的事项补正并重新提交，逾期视为放弃申报。",
         "link": reverse("declarations:detail", args=[row["declaration_id"]])} for row in rows])
    result.add("提醒申报人补正", created)
    result.details += [horizon.note] if horizon.note else []
    return result


def _unverified():
    verified = MaterialVerification.objects.filter(material=OuterRef("pk"))
    return Exists(Material.objects.filter(declaration=OuterRef("pk")).exclude(Exists(verified)))


# Who waits on whom before which phase ends: (code, phase, states, organisation of the step, role,
# extra condition, what they still have to do).
QUEUES = (
    ("verify", "employer_review", (State.EMPLOYER_REVIEW,), "employer_id", Role.EMPLOYER_HANDLER, _unverified,
     "份申报的材料尚未审查"),
    ("employer", "employer_review", (State.EMPLOYER_REVIEW, State.UNIT_PUBLICITY), "employer_id",
     Role.EMPLOYER_ADMIN, None, "份申报尚未推荐或推送"),
    ("department", "department_audit", (State.DEPARTMENT_REVIEW,), "employer__parent_id", Role.DEPT_REVIEWER, None,
     "份申报待主管部门审核"),
    ("bureau", "policy_review", (State.BUREAU_REVIEW,), "plan__organisation_id", Role.BUREAU_REVIEWER, None,
     "份申报待人社部门政策性审查"),
)


@register("remind_reviewers", "环节截止提醒（经办人、审核人）", group=REMINDER)
def remind_reviewers(today: date) -> SweepResult:
    result, horizon = SweepResult(), Horizon(today)
    for code, phase, states, organisation, role, condition, what in QUEUES:
        waiting = (Declaration.objects.filter(plan_id__in=plans_ending(phase, end__gte=today, end__lte=horizon.furthest),
                                              state__in=states)
                   .annotate(deadline=phase_end(phase)))
        if condition is not None:
            waiting = waiting.filter(condition())
        groups = [row for row in waiting.order_by().values(
            "plan_id", "deadline", "year", region=F("plan__organisation__region_code"), organisation=F(organisation))
            .annotate(n=Count("pk")) if row["organisation"] is not None and horizon.due(row["deadline"],
                                                                                           row["region"], row["year"])]
        if not groups:
            continue
        people: dict[int, list[int]] = {}
        for organisation_id, user_id in RoleMembership.objects.filter(
                role=role, organisation_id__in={row["organisation"] for row in groups}).values_list(
                "organisation_id", "user_id"):
            people.setdefault(organisation_id, []).append(user_id)
        created = notify_many([
            {"recipient_id": user_id, "key": f"reminder:{code}:{row['plan_id']}:{row['organisation']}:{row['deadline']}",
             "title": f"提醒：{PHASE_LABELS[phase]}截止 {row['deadline']:%Y-%m-%d}，还有 {row['n']} {what}",
             "body": "请在截止日前办理；逾期未推送的申报滞留本环节，并记录为本单位逾期。",
             "link": reverse("reviews:queue")}
            for row in groups for user_id in people.get(row["organisation"], [])])
        result.add(f"提醒{Role(role).label}", created)
    result.details += [horizon.note] if horizon.note else []
    return result
