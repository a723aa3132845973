"""The one place that answers "may this user do X to this object" (django-rules predicates).

Pages, the API and services fetch objects through the ``access_*`` selectors
(``accounts.selectors.access_organisation``, ``titles.selectors.access_plan``) and ask
``user.has_perm(name, obj)`` for actions; both end in the predicates registered here and in each
app's ``permissions.py``.
"""

import rules

from .models import OrganisationKind, Role

# Roles whose holders look after the organisations below their own (employers under a competent
# department, everything under an HR bureau). Applicants, experts and secretaries see only their own.
OVERSEEING_ROLES = frozenset(
    {Role.EMPLOYER_ADMIN, Role.DEPT_REVIEWER, Role.BUREAU_REVIEWER, Role.AUDITOR, Role.SYSTEM_ADMIN}
)


def member_org_ids(user, roles=None) -> set[int]:
    if not user.is_authenticated:
        return set()
    return {m.organisation_id for m in user.memberships() if roles is None or m.role in roles}


def has_role(user, role: str, organisation=None) -> bool:
    if not user.is_authenticated:
        return False
    return any(
        m.role == role and (organisation is None or m.organisation_id == organisation.pk) for m in user.memberships()
    )


@rules.predicate
def is_system_admin(user):
    return user.is_authenticated and (user.is_superuser or has_role(user, Role.SYSTEM_ADMIN))


@rules.predicate
def is_member_of(user, organisation):
    return organisation is not None and organisation.pk in member_org_ids(user)


@rules.predicate
def oversees(user, organisation):
    """The user holds an overseeing role in this organisation or in one above it."""
    if organisation is None:
        return False
    own = member_org_ids(user, OVERSEEING_ROLES)
    return bool(own) and any(pk in own for pk in organisation.ancestor_ids())


@rules.predicate
def is_self(user, other):
    return other is not None and user.pk == other.pk


def bureau_region_codes(user) -> set[str]:
    """Region codes (行政区划代码) of the HR bureaus where the user is a bureau reviewer."""
    if not user.is_authenticated:
        return set()
    return {m.organisation.region_code for m in user.memberships()
            if m.role == Role.BUREAU_REVIEWER and m.organisation.kind == OrganisationKind.HR_BUREAU}


@rules.predicate
def is_auditor(user):
    return has_role(user, Role.AUDITOR)


@rules.predicate
def may_see_full_personal_data(user, other):
    """Roles that may ask for a person's full ID number and phone (each look is recorded first):
    the system admin, and overseeing roles of an organisation the person belongs to."""
    if other is None:
        return False
    if is_system_admin(user):
        return True
    return any(oversees(user, m.organisation) for m in other.memberships())


rules.add_perm("accounts.view_organisation", is_system_admin | is_member_of | oversees)
rules.add_perm("accounts.view_user_unmasked", is_self)
rules.add_perm("accounts.reveal_personal_data", ~is_self & may_see_full_personal_data)
# The audit pages (event log, personal-data access records): read-only, for auditors and the system admin.
rules.add_perm("accounts.read_audit_log", is_system_admin | is_auditor)
# What the admin console may change in accounts: the system admin only (users, organisations, groups).
rules.add_perm("accounts.manage_accounts", is_system_admin)


def can_use_workspace(user, role: str) -> bool:
    return has_role(user, role) or (role == Role.SYSTEM_ADMIN and user.is_superuser)
