"""Who may change a review committee (django-rules; see accounts/permissions.py)."""

import rules

from accounts.models import Role
from accounts.permissions import has_role, is_system_admin, member_org_ids


@rules.predicate
def is_organising_bureau(user, committee):
    """A bureau reviewer at or above the committee's organiser (without a committee: any bureau reviewer)."""
    if committee is None:
        return has_role(user, Role.BUREAU_REVIEWER)
    bureaus = member_org_ids(user, {Role.BUREAU_REVIEWER})
    return any(pk in bureaus for pk in committee.organiser.ancestor_ids())


rules.add_perm("committees.manage_committee", is_system_admin | is_organising_bureau)
