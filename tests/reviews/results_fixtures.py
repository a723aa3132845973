"""Fixtures for the results' 公示: a closed meeting whose declarations stand in ``results_publicity``.

The scoring part's ``pass_review`` moves them there for real; here a test-only fixture sets the state
(``QuerySet.update``) so these tests do not depend on that branch."""

from datetime import date

import pytest

from accounts.models import Role
from tests.committees.conftest import (  # noqa: F401 - fixtures used through ``passed_meeting``
    board,
    civil,
    declarations,
    expert_employers,
    experts,
    meeting,
    meeting_plan,
    office,
    pool,
    ready_meeting,
    secretary,
)
from tests.factories import user_with_role
from tests.reviews.conftest import move_to

PUBLISHED_ON = date(2026, 11, 16)  # a Monday: 5 working days end on Friday 11-20
LAST_DAY = date(2026, 11, 20)
DAY_AFTER = date(2026, 11, 23)  # the next working day (Saturday and Sunday between)


@pytest.fixture
def bureau_user(org_tree):
    return user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"], real_name="周审核")


@pytest.fixture
def passed_meeting(ready_meeting, declarations, settings):
    """The meeting closed, both its declarations passed (test-only state change), today 2026-11-16."""
    from committees.models import Meeting
    from declarations.models import Declaration

    Meeting.objects.filter(pk=ready_meeting.pk).update(status="closed")
    Declaration.objects.filter(pk__in=[d.pk for d in declarations]).update(state="results_publicity")
    move_to(settings, PUBLISHED_ON)
    ready_meeting.refresh_from_db()
    return ready_meeting


@pytest.fixture
def publication(passed_meeting, bureau_user):
    from reviews.services import publish_results

    return publish_results(actor=bureau_user, meeting_id=passed_meeting.pk)
