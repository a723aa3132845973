"""The one place that answers "may this user do X to this object" (django-rules predicates).

Pages, the API and services fetch objects through the ``access_*`` selectors
(``accounts.selectors.access_organisation``, ``titles.selectors.access_plan``) and ask
``user.has_perm(name, obj)`` for actions; both end in the predicates registered here and in each
app's ``permissions.py``.
"""

import rules

from . import tree
from .models import Organisation, OrganisationKind, Role, Sector

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
    return bool(own) and any(pk in own for pk in tree.ancestor_ids(organisation, user))


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
# Credit records (诚信档案, 001 四(四)): the HR bureau and the system admin record breaches; a committee's
# secretary records its experts' (the committees' services call ``record_credit`` with their actor).
@rules.predicate
def may_record_credit(user):
    return is_system_admin(user) or has_role(user, Role.BUREAU_REVIEWER) or has_role(user, Role.COMMITTEE_SECRETARY)


rules.add_perm("accounts.record_credit", may_record_credit)
# What the admin console may change in accounts: the system admin only (users, organisations, groups).
rules.add_perm("accounts.manage_accounts", is_system_admin)


def can_use_workspace(user, role: str) -> bool:
    return has_role(user, role) or (role == Role.SYSTEM_ADMIN and user.is_superuser)


# GB/T 22239-2019 level 3: staff (everyone who acts on others' data, i.e. every role but 申报人) get
# the idle timeout and sign-out on browser close; these roles also sign in with a second factor.
TWO_FACTOR_ROLES = frozenset(
    {Role.DEPT_REVIEWER, Role.BUREAU_REVIEWER, Role.COMMITTEE_SECRETARY, Role.SYSTEM_ADMIN}
)


def is_staff_user(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or any(role != Role.APPLICANT for role in user.roles())


def requires_two_factor(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(role in TWO_FACTOR_ROLES for role in user.roles())


# Who allocates which accounts (seed 002 二(三)3, DOMAIN.md "Accounts"): applicants by the unit's
# handler, handlers by the unit admin; a public unit's (incl. state-owned enterprises') admin by its
# competent department; a competent department's and a non-public unit's accounts by the HR bureau at
# the same level (the nearest one above). Every other role is allocated by the system admin.
# role -> (allocating role, where the allocator sits: "own" unit, nearest "department" or "bureau" above)
ALLOCATED_BY = {
    Role.APPLICANT: (Role.EMPLOYER_HANDLER, "own"),
    Role.EMPLOYER_HANDLER: (Role.EMPLOYER_ADMIN, "own"),
    Role.EMPLOYER_ADMIN: (Role.DEPT_REVIEWER, "department"),  # non-public units: "bureau"
    Role.DEPT_REVIEWER: (Role.BUREAU_REVIEWER, "bureau"),
}
ALLOCATED_ROLES = tuple(ALLOCATED_BY)
ALLOCATING_ROLES = frozenset({allocating for allocating, _ in ALLOCATED_BY.values()} | {Role.SYSTEM_ADMIN})


def allocator(role: str, organisation) -> tuple[str, Organisation] | None:
    """The role and organisation whose holders allocate ``role`` accounts in ``organisation``."""
    if role not in ALLOCATED_BY:
        return None
    allocating_role, where = ALLOCATED_BY[role]
    if where == "own":
        return allocating_role, organisation
    if role == Role.EMPLOYER_ADMIN and organisation.kind != OrganisationKind.EMPLOYER:
        return None
    if where == "department" and organisation.sector == Sector.PUBLIC:
        department = organisation.nearest_above(OrganisationKind.COMPETENT_DEPARTMENT)
        if department is not None:
            return allocating_role, department
    if role == Role.DEPT_REVIEWER and organisation.kind != OrganisationKind.COMPETENT_DEPARTMENT:
        return None
    bureau = organisation.nearest_above(OrganisationKind.HR_BUREAU)
    return (Role.BUREAU_REVIEWER, bureau) if bureau is not None else None


def may_grant(actor, role: str, organisation) -> bool:
    if is_system_admin(actor):
        return True
    found = allocator(role, organisation)
    return found is not None and has_role(actor, found[0], found[1])


def may_manage_account(actor, user) -> bool:
    """The actor allocates one of the user's roles (so may reset the user's password)."""
    if actor.pk == user.pk:
        return False
    if user.is_superuser and not actor.is_superuser:
        return False
    return is_system_admin(actor) or any(may_grant(actor, m.role, m.organisation) for m in user.memberships())
