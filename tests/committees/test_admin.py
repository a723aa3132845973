"""The admin console shows committees' pools, meetings and draws through the same gates, read-only."""

import pytest

from accounts.models import Role
from committees.models import Draw
from committees.services import draw_experts
from tests.factories import user_with_role
from titles.demo import bureau_admin_group


def _console_user(organisation):
    user = user_with_role(Role.BUREAU_REVIEWER, organisation, is_staff=True)
    user.groups.add(bureau_admin_group())
    return user


@pytest.fixture
def drawn(ready_meeting, secretary):
    [record] = draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    return record


def test_the_regions_bureau_reads_meetings_draws_and_experts_with_phones_masked(drawn, experts, org_tree, client):
    client.force_login(_console_user(org_tree["bureau"]))
    assert drawn.meeting.name in client.get("/admin/committees/meeting/").content.decode()
    assert client.get(f"/admin/committees/draw/{drawn.pk}/change/").status_code == 200
    before = Draw.objects.get(pk=drawn.pk).seed
    client.post(f"/admin/committees/draw/{drawn.pk}/change/", {"seed": "0" * 32})
    assert Draw.objects.get(pk=drawn.pk).seed == before
    experts_page = client.get("/admin/committees/expert/").content.decode()
    assert experts[0].phone_masked in experts_page and experts[0].phone not in experts_page
    assert experts[0].phone not in client.get(f"/admin/committees/expert/{experts[0].pk}/change/").content.decode()


def test_another_regions_bureau_sees_none_of_it(drawn, experts, org_tree, client):
    client.force_login(_console_user(org_tree["other_bureau"]))
    assert drawn.meeting.name not in client.get("/admin/committees/meeting/").content.decode()
    assert client.get(f"/admin/committees/draw/{drawn.pk}/change/").status_code in (403, 404)
    assert client.get(f"/admin/committees/expert/{experts[0].pk}/change/").status_code in (403, 404)
    assert client.get(f"/admin/committees/meeting/{drawn.meeting_id}/change/").status_code in (403, 404)
