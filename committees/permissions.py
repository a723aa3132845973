"""Who may do what with committees, their pools and meetings (django-rules; see accounts/permissions.py).

The committee secretary (评委会秘书, ``Role.COMMITTEE_SECRETARY`` in the committee's office) manages the
pool, the meetings, the assignments and the draws, and records breaches of discipline; the bureau
reviewer at or above the committee's organiser sees them and decides on discipline; an expert sees
only the meetings they were drawn for, once the meeting has opened.
"""

import rules

from accounts import tree
from accounts.models import Role
from accounts.permissions import has_role, is_system_admin, member_org_ids


@rules.predicate
def is_organising_bureau(user, committee):
    """A bureau reviewer at or above the committee's organiser (without a committee: any bureau reviewer)."""
    if committee is None:
        return has_role(user, Role.BUREAU_REVIEWER)
    bureaus = member_org_ids(user, {Role.BUREAU_REVIEWER})
    return bool(bureaus) and any(pk in bureaus for pk in tree.ancestor_ids(committee.organiser, user))


def secretary_office_ids(user) -> set[int]:
    return member_org_ids(user, {Role.COMMITTEE_SECRETARY})


@rules.predicate
def runs_committee(user, committee):
    """The committee secretary of the committee's office (without a committee: any committee secretary)."""
    offices = secretary_office_ids(user)
    return bool(offices) if committee is None else committee.office_id in offices


@rules.predicate
def runs_meeting(user, meeting):
    return meeting is not None and runs_committee(user, meeting.committee)


@rules.predicate
def oversees_meeting(user, meeting):
    return meeting is not None and is_organising_bureau(user, meeting.committee)


@rules.predicate
def drawn_for_open_meeting(user, meeting):
    """An expert drawn for the meeting, once it has opened (nothing before: the scores' rule too)."""
    from .models import MeetingMember, MeetingStatus

    if meeting is None or not user.is_authenticated or meeting.status in (MeetingStatus.PLANNED, MeetingStatus.DRAWN):
        return False
    return MeetingMember.objects.filter(meeting=meeting, expert__user=user).exists()


def _pool_committees(expert):
    from .models import Committee

    return Committee.objects.filter(pool__memberships__expert=expert).select_related("organiser").distinct()


@rules.predicate
def manages_expert(user, expert):
    """A secretary of a committee whose pool holds (or held) the expert; adding: any secretary."""
    if expert is None or expert.pk is None:
        return bool(secretary_office_ids(user))
    return any(runs_committee(user, committee) for committee in _pool_committees(expert))


@rules.predicate
def oversees_expert(user, expert):
    return expert is not None and expert.pk is not None and any(
        is_organising_bureau(user, committee) for committee in _pool_committees(expert))


@rules.predicate
def is_the_expert(user, expert):
    return expert is not None and user.is_authenticated and expert.user_id == user.pk


rules.add_perm("committees.manage_committee", is_system_admin | is_organising_bureau)
# the pool, meetings, assignments and draws of a committee (object: the committee)
rules.add_perm("committees.run_committee", is_system_admin | runs_committee)
rules.add_perm("committees.view_meeting", is_system_admin | runs_meeting | oversees_meeting | drawn_for_open_meeting)
rules.add_perm("committees.manage_meeting", is_system_admin | runs_meeting)
rules.add_perm("committees.oversee_meeting", is_system_admin | runs_meeting | oversees_meeting)
rules.add_perm("committees.view_expert", is_system_admin | manages_expert | oversees_expert | is_the_expert)
rules.add_perm("committees.manage_expert", is_system_admin | manages_expert)
rules.add_perm("committees.view_expert_phone", is_the_expert)
# breaches are recorded by the secretary (object: the expert); the bureau decides (object: the expert)
rules.add_perm("committees.record_breach", manages_expert)
rules.add_perm("committees.decide_discipline", is_system_admin | oversees_expert)


@rules.predicate
def files_pool(user, pool):
    """The bureau at or above the committee's organiser files (备案) its expert pool."""
    if pool is None or getattr(pool, "committee_id", None) is None:
        return has_role(user, Role.BUREAU_REVIEWER)
    return is_organising_bureau(user, pool.committee)


rules.add_perm("committees.file_pool", is_system_admin | files_pool)


@rules.predicate
def is_bureau_reviewer(user):
    return has_role(user, Role.BUREAU_REVIEWER)


# the indicator menu (菜单式评价指标) is the bureau's
rules.add_perm("committees.edit_indicators", is_system_admin | is_bureau_reviewer)
