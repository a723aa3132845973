"""The committees' and results' deadlines (reviews/deadlines/results.py): the day before, the day of and
the day after each, and a second run that changes nothing."""

from datetime import date

import pytest

from accounts.models import Notification
from reviews.deadlines import run_sweep
from tests.reviews.conftest import DAY_AFTER, LAST_DAY


def _alerts(user, kind):
    return list(Notification.objects.filter(recipient=user, key__startswith=f"deadline:{kind}:"))


@pytest.mark.django_db
def test_a_meeting_not_closed_by_meetings_end_alerts_the_bureau_once(ready_meeting, bureau_user):
    assert ready_meeting.status != "closed" and ready_meeting.plan.year == 2026
    for day in (date(2026, 11, 29), date(2026, 11, 30)):  # meetings_end 11-30 still belongs to the year
        assert run_sweep("meetings_unfinished", day).total == 0
    after = run_sweep("meetings_unfinished", date(2026, 12, 1))
    assert after.changed == {"未按期结束的评审会议": 1, "已提醒人社部门审核人": 1}
    [alert] = _alerts(bureau_user, "meeting_unfinished")
    assert ready_meeting.name in alert.title and alert.link == f"/committees/meetings/{ready_meeting.pk}/"
    again = run_sweep("meetings_unfinished", date(2026, 12, 2))
    assert again.changed["已提醒人社部门审核人"] == 0 and len(_alerts(bureau_user, "meeting_unfinished")) == 1


@pytest.mark.django_db
def test_results_not_published_by_results_end_alert_the_bureau_once(passed_meeting, bureau_user):
    for day in (date(2026, 12, 30), date(2026, 12, 31)):
        assert run_sweep("results_unpublished", day).total == 0
    after = run_sweep("results_unpublished", date(2027, 1, 1))
    assert after.changed == {"评审结果逾期未完成的方案": 1, "已提醒人社部门审核人": 1}
    assert run_sweep("results_unpublished", date(2027, 1, 2)).changed["已提醒人社部门审核人"] == 0
    assert len(_alerts(bureau_user, "results_unpublished")) == 1


@pytest.mark.django_db
def test_a_results_publicity_over_is_announced_for_approval_once(publication, bureau_user):
    assert run_sweep("results_publicity_over", date(2026, 11, 19)).total == 0
    assert run_sweep("results_publicity_over", LAST_DAY).total == 0  # the last day of the 公示
    after = run_sweep("results_publicity_over", DAY_AFTER)
    assert after.changed == {"公示期满待审批的公示": 1, "已提醒人社部门审核人": 1}
    [alert] = _alerts(bureau_user, "results_publicity_over")
    assert alert.link == f"/reviews/results/manage/{publication.pk}/"
    assert run_sweep("results_publicity_over", DAY_AFTER).changed["已提醒人社部门审核人"] == 0
