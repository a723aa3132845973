"""A material's file after the permission check, by each delivery strategy (MATERIALS_DELIVERY)."""

import pytest

from accounts.models import Role
from declarations.services import start_declaration
from tests.declarations.conftest import attach_required_materials, fill_profile
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def material(in_window, plan, applicant):
    fill_profile(applicant, series=plan.series)
    declaration = start_declaration(actor=applicant, plan_id=plan.pk, level="intermediate")
    attach_required_materials(declaration, applicant)
    return declaration.materials.first()


@pytest.mark.parametrize("delivery", ["django", "x-accel", "signed-url"])
def test_each_strategy_delivers_only_after_the_check(settings, client, org_tree, applicant, material, delivery):
    settings.MATERIALS_DELIVERY = delivery
    url = f"/declarations/materials/{material.pk}/"
    client.force_login(user_with_role(Role.APPLICANT, org_tree["employer_b"]))  # another applicant
    assert client.get(url).status_code == 403
    client.force_login(applicant)
    response = client.get(url)
    if delivery == "django":
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 x"
    elif delivery == "x-accel":
        assert response.status_code == 200 and response.content == b""
        assert response["X-Accel-Redirect"] == f"/protected-media/{material.file.name}"
        assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith("inline")
    else:
        assert response.status_code == 302 and response["Location"].endswith(material.file.name)
