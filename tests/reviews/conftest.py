from datetime import date

import pytest

from accounts.models import Role
from tests.committees.conftest import (  # noqa: F401 - a meeting with two declarations, for the results
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
from tests.declarations.conftest import attach_required_materials, fill_profile  # noqa: F401
from tests.factories import user_with_role


@pytest.fixture
def people(org_tree):
    return {
        "handler": user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"], real_name="李经办"),
        "admin": user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_a"]),
        "dept": user_with_role(Role.DEPT_REVIEWER, org_tree["dept"]),
        "bureau": user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"]),
        "other_handler": user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_b"]),
        "other_admin": user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_b"]),
        "other_bureau": user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"]),
    }


def submitted(applicant, plan):
    """A declaration of ``applicant`` for ``plan``, submitted (today must be in the window)."""
    from declarations.services import start_declaration, take_action

    fill_profile(applicant, series=plan.series)
    declaration = start_declaration(actor=applicant, plan_id=plan.pk, level="intermediate")
    attach_required_materials(declaration, applicant)
    return take_action(actor=applicant, declaration_id=declaration.pk, action="submit", payload={"pledge": True})


def verify_all(declaration, handler):
    from reviews.services import verify_material

    for material in declaration.materials.all():
        verify_material(actor=handler, material_id=material.pk, verdict="true")


def move_to(settings, day: date):
    settings.DEBUG = True
    settings.ZC_TODAY = day


# --- results 公示: a closed meeting whose declarations stand in ``results_publicity``. The scoring part's
# ``pass_review`` moves them there for real; here a test-only fixture sets the state (``QuerySet.update``)
# so these tests do not depend on that branch.

PUBLISHED_ON = date(2026, 11, 16)  # a Monday: 5 working days end on Friday 11-20
LAST_DAY = date(2026, 11, 20)
DAY_AFTER = date(2026, 11, 23)  # the next working day (Saturday and Sunday between)


@pytest.fixture
def bureau_user(org_tree):
    return user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"], real_name="周审核")


@pytest.fixture
def passed_meeting(ready_meeting, declarations, settings):  # noqa: F811 - the committees fixtures
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
