from datetime import date

import pytest

from accounts.models import Role
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
