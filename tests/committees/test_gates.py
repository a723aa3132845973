"""Who sees which meetings, draws, assignments and experts: pages, API and selectors alike."""

import pytest

from accounts.models import OrganisationKind, Role
from committees.models import Meeting, MeetingMember, MeetingStatus
from committees.selectors import visible_assignments, visible_draws, visible_experts, visible_meetings
from committees.services import draw_experts
from tests.factories import OrganisationFactory, expert, user_with_role


@pytest.fixture
def drawn(ready_meeting, secretary):
    draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    return ready_meeting


def _open(meeting):
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.OPEN)  # the scoring part opens meetings


def test_the_secretary_and_the_regions_bureau_see_the_meeting_others_do_not(drawn, secretary, bureau_reviewer,
                                                                             org_tree, client):
    other_bureau = user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"])
    other_office = OrganisationFactory(kind=OrganisationKind.COMMITTEE_OFFICE, parent=org_tree["other_bureau"],
                                       region_code="140800")
    other_secretary = user_with_role(Role.COMMITTEE_SECRETARY, other_office)
    applicant = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    assert list(visible_meetings(secretary)) == [drawn] == list(visible_meetings(bureau_reviewer))
    for outsider in (other_bureau, other_secretary, applicant):
        assert not visible_meetings(outsider).exists() and not visible_draws(outsider).exists()
        client.force_login(outsider)
        assert client.get(f"/committees/meetings/{drawn.pk}/").status_code == 403
        assert client.get(f"/api/v1/meetings/{drawn.pk}/").status_code == 403
        assert client.get("/api/v1/meetings/").json()["count"] == 0
    client.force_login(bureau_reviewer)
    assert client.get(f"/committees/meetings/{drawn.pk}/").status_code == 200
    assert client.post(f"/api/v1/meetings/{drawn.pk}/draw/", {}, content_type="application/json").status_code == 403
    assert client.get("/api/v1/meetings/999999/").status_code == 404


def test_an_expert_sees_nothing_before_the_meeting_opens_then_only_their_own_group(drawn, secretary, meeting_plan,
                                                                                   org_tree, civil, client):
    from committees.services import add_group, assign_declarations, create_meeting

    from .conftest import MEETING_DAY, in_review

    member = MeetingMember.objects.filter(meeting=drawn).select_related("expert__user").first()
    user = member.expert.user
    assert not visible_meetings(user).exists() and not visible_assignments(user).exists()
    client.force_login(user)
    assert client.get(f"/committees/meetings/{drawn.pk}/").status_code == 403
    assert client.get(f"/api/v1/meetings/{drawn.pk}/").status_code == 403
    assert client.get("/api/v1/assignments/").json()["count"] == 0
    assert "暂无已开始的评审会议" in client.get("/committees/mine/").content.decode()
    # another meeting of the same plan the expert was not drawn for, opened too
    other = create_meeting(actor=secretary, plan_id=meeting_plan.pk, name="另一次会议", held_on=MEETING_DAY, online=True,
                           methods=["expert_review"])
    group = add_group(actor=secretary, meeting_id=other.pk, name="其他组", level="intermediate", size=1)
    stranger = in_review(meeting_plan, org_tree["employer_a"], specialty=civil)
    assign_declarations(actor=secretary, meeting_id=other.pk, group_id=group.pk, declaration_ids=[stranger.pk])
    _open(drawn)
    _open(other)
    assert list(visible_meetings(user)) == [drawn]
    own = set(visible_assignments(user).values_list("declaration_id", flat=True))
    assert own == set(drawn.assignments.values_list("declaration_id", flat=True)) and stranger.pk not in own
    body = client.get("/api/v1/assignments/").json()
    assert {row["declaration"] for row in body["results"]} == own
    assert client.get(f"/api/v1/meetings/{other.pk}/").status_code == 403
    page = client.get("/committees/mine/").content.decode()
    assert drawn.name in page and "另一次会议" not in page
    assert not visible_draws(user).exists()  # experts see their meeting, not the draw's pool
    assert client.get(f"/api/v1/draws/{drawn.draws.first().pk}/").status_code == 403


def test_the_pool_shows_phones_masked_and_only_the_expert_sees_their_own(pool, experts, secretary, client):
    row = experts[0]
    client.force_login(secretary)
    page = client.get(f"/committees/pools/{pool.pk}/").content.decode()
    assert row.phone_masked in page and row.phone not in page
    detail = client.get(f"/committees/experts/{row.pk}/").content.decode()
    assert row.phone not in detail
    client.force_login(row.user)
    assert row.phone in client.get(f"/committees/experts/{row.pk}/").content.decode()
    assert list(visible_experts(row.user)) == [row]
    assert client.get(f"/committees/experts/{experts[1].pk}/").status_code == 403


def test_another_committees_secretary_cannot_touch_this_pool(pool, experts, org_tree, client):
    other_office = OrganisationFactory(kind=OrganisationKind.COMMITTEE_OFFICE, parent=org_tree["bureau"])
    stranger = user_with_role(Role.COMMITTEE_SECRETARY, other_office)
    assert not visible_experts(stranger).exists()
    client.force_login(stranger)
    assert client.get(f"/committees/pools/{pool.pk}/").status_code == 403
    assert client.post(f"/committees/experts/{experts[0].pk}/breaches/", {"breach": "x"}).status_code == 403


@pytest.mark.parametrize("n", [2, 8])
def test_the_meeting_list_costs_the_same_queries_whatever_its_length(n, meeting_plan, secretary, in_window,
                                                                     client, django_assert_max_num_queries):
    from committees.services import add_group, create_meeting

    from .conftest import MEETING_DAY

    for i in range(n):
        meeting = create_meeting(actor=secretary, plan_id=meeting_plan.pk, name=f"会议{i}", held_on=MEETING_DAY,
                                 online=True, methods=["expert_review"])
        add_group(actor=secretary, meeting_id=meeting.pk, name="组", level="intermediate", size=3)
    client.force_login(secretary)
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/meetings/").json()
    assert body["count"] == n and all(len(m["groups"]) == 1 for m in body["results"])
    with django_assert_max_num_queries(12):
        assert client.get("/committees/office/").status_code == 200


@pytest.mark.parametrize("extra", [0, 10])
def test_the_meeting_page_costs_the_same_queries_whatever_the_pool(extra, drawn, pool, expert_employers, civil,
                                                                   secretary, client, django_assert_max_num_queries):
    for _ in range(extra):
        expert(pool, expert_employers[0], specialties=[civil])
    client.force_login(secretary)
    with django_assert_max_num_queries(25):
        assert client.get(f"/committees/meetings/{drawn.pk}/").status_code == 200
