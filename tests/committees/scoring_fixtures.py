"""Fixtures of a drawn meeting ready to score and vote (imported by the scoring and voting tests)."""

import pytest

from accounts.models import Role
from tests.factories import user_with_role

DIMENSIONS = [
    {"dimension": "morality", "weight": 10, "max_points": 10},
    {"dimension": "ability", "weight": 40, "max_points": 40},
    {"dimension": "skill", "weight": 30, "max_points": 30, "works_over_counts": True},
    {"dimension": "innovation", "weight": 20, "max_points": 20},
]


@pytest.fixture
def menu(board, org_tree):
    from committees.scoring import save_menu

    bureau = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    return save_menu(actor=bureau, series_id=board.series_id, level="intermediate", name="工程系列中级评价指标",
                     dimensions=DIMENSIONS)


@pytest.fixture
def drawn(ready_meeting, secretary, menu):
    from committees.services import draw_experts

    draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    ready_meeting.refresh_from_db()
    return ready_meeting


@pytest.fixture
def opened(drawn, secretary):
    from committees.voting import open_meeting

    return open_meeting(actor=secretary, meeting_id=drawn.pk)


def members_of(meeting):
    return list(meeting.members.select_related("expert__user").order_by("position"))


def attend(meeting, secretary, present_count):
    from committees.voting import record_attendance

    members = members_of(meeting)
    for index, member in enumerate(members):
        record_attendance(actor=secretary, meeting_id=meeting.pk, member_id=member.pk, present=index < present_count)
    return members


FULL = {"morality": 9, "ability": 35, "skill": 25.5, "innovation": 15}
