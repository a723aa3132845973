"""Deadlines of the committees and the results (seeds 000 三1, 001 四(六), 004 四(五)).

No review crosses the year: meetings are finished by ``PlanRules.meetings_end`` (11-30) and results
published by ``PlanRules.results_end`` (12-31) of the plan's year. What misses them is not moved (a
committee's verdict and an approval are people's decisions): the plan's HR bureau is alerted, once per
meeting or plan and deadline. A results 公示 that has ended is announced to the bureau as ready for
approval (``approve`` stays the bureau's action: it checks the objections), once per publication.
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from accounts.models import Role, RoleMembership
from accounts.notifications import notify_many
from committees.models import Meeting, MeetingStatus
from declarations.flow import State
from declarations.models import Declaration
from reviews.models import ResultPublication
from titles.selectors import RulesByScope

from .registry import SweepResult, register


def _bureau_reviewers(organisation_ids) -> dict[int, list[int]]:
    """Organisation id → its bureau reviewers' user ids (one query)."""
    found: dict[int, list[int]] = {}
    for org, user in (RoleMembership.objects.filter(organisation_id__in=set(organisation_ids),
                                                    role=Role.BUREAU_REVIEWER, user__is_active=True)
                      .values_list("organisation_id", "user_id")):
        found.setdefault(org, []).append(user)
    return found


def _deadline(rule: tuple[int, int], year: int) -> date:
    return date(year, *rule)


@register("meetings_unfinished", "评审会议未按期结束（提醒人社部门）")
def meetings_unfinished(today: date) -> SweepResult:
    """Meetings not closed after ``PlanRules.meetings_end`` of their plan's year."""
    result, scopes = SweepResult(), RulesByScope()
    rows = [row for row in Meeting.objects.exclude(status=MeetingStatus.CLOSED).filter(plan__year__lte=today.year)
            .order_by("pk").values("pk", "name", "plan_id", "plan__year", "plan__organisation_id",
                                   "plan__organisation__region_code")
            if today > _deadline(scopes.plan_rules(row["plan__organisation__region_code"], row["plan__year"])
                                 .meetings_end, row["plan__year"])]
    reviewers = _bureau_reviewers(row["plan__organisation_id"] for row in rows)
    created = notify_many([
        {"recipient_id": user, "key": f"deadline:meeting_unfinished:{row['pk']}",
         "title": f"评审会议「{row['name']}」未在 {row['plan__year']} 年度评审截止日前结束",
         "body": "职称评审工作是年度工作，评审会议应在规定日期前结束（不得跨年度），请督促评委会办事机构处理。",
         "link": reverse("committees:meeting", args=[row["pk"]])}
        for row in rows for user in reviewers.get(row["plan__organisation_id"], [])])
    result.add("未按期结束的评审会议", [row["pk"] for row in rows])
    result.add("已提醒人社部门审核人", len(created))
    return result


@register("results_unpublished", "评审结果未按期公示（提醒人社部门）")
def results_unpublished(today: date) -> SweepResult:
    """Plans with declarations still in committee review or 公示 after ``PlanRules.results_end``."""
    result, scopes = SweepResult(), RulesByScope()
    plans = (Declaration.objects.filter(state__in=(State.COMMITTEE_REVIEW, State.RESULTS_PUBLICITY),
                                        plan__year__lte=today.year)
             .order_by("plan_id").values("plan_id", "plan__name", "plan__year", "plan__organisation_id",
                                         "plan__organisation__region_code").distinct())
    late = [row for row in plans
            if today > _deadline(scopes.plan_rules(row["plan__organisation__region_code"], row["plan__year"])
                                 .results_end, row["plan__year"])]
    reviewers = _bureau_reviewers(row["plan__organisation_id"] for row in late)
    created = notify_many([
        {"recipient_id": user, "key": f"deadline:results_unpublished:{row['plan_id']}",
         "title": f"「{row['plan__name']}」的评审结果未在 {row['plan__year']} 年度截止日前公示、审批",
         "body": "评审结果应在年度截止日前公示并审批（不得跨年度），请尽快处理仍在评审或公示中的申报。",
         "link": reverse("titles:plan", args=[row["plan_id"]])}
        for row in late for user in reviewers.get(row["plan__organisation_id"], [])])
    result.add("评审结果逾期未完成的方案", [row["plan_id"] for row in late])
    result.add("已提醒人社部门审核人", len(created))
    return result


@register("results_publicity_over", "评审结果公示期满（可审批）")
def results_publicity_over(today: date) -> SweepResult:
    """Publications whose 公示 ended before today with declarations still in ``results_publicity``."""
    result = SweepResult()
    rows = list(ResultPublication.objects.filter(ends_on__lt=today, declarations__state=State.RESULTS_PUBLICITY)
                .order_by("pk").values("pk", "meeting__name", "meeting__plan__organisation_id").distinct())
    reviewers = _bureau_reviewers(row["meeting__plan__organisation_id"] for row in rows)
    created = notify_many([
        {"recipient_id": user, "key": f"deadline:results_publicity_over:{row['pk']}",
         "title": f"「{row['meeting__name']}」的评审结果公示期满，可以审批",
         "body": "公示期满；无异议或异议不成立的申报可审批通过，审批后系统自动核发电子证书。",
         "link": reverse("reviews:results_manage_detail", args=[row["pk"]])}
        for row in rows for user in reviewers.get(row["meeting__plan__organisation_id"], [])])
    result.add("公示期满待审批的公示", [row["pk"] for row in rows])
    result.add("已提醒人社部门审核人", len(created))
    return result
