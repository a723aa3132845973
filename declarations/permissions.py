"""Who may see and act on declarations (django-rules; see accounts/permissions.py).

The applicant sees their own declarations, drafts included. Staff see a declaration once it has
been submitted: the employer's handlers and admins, and the overseeing roles above the employer
(competent department, HR bureau, auditor); the system admin sees everything.
"""

import rules

from accounts import tree
from accounts.models import OrganisationKind, Role
from accounts.permissions import has_role, is_system_admin, oversees

from .flow import Actor, State, Transition


@rules.predicate
def is_applicant(user, declaration):
    return declaration is not None and declaration.applicant_id == user.pk


@rules.predicate
def is_submitted(user, declaration):
    return declaration is not None and declaration.state != State.DRAFT


@rules.predicate
def is_employer_staff(user, declaration):
    return declaration is not None and any(
        has_role(user, role, declaration.employer) for role in (Role.EMPLOYER_HANDLER, Role.EMPLOYER_ADMIN))


@rules.predicate
def oversees_employer(user, declaration):
    return declaration is not None and oversees(user, declaration.employer)


@rules.predicate
def runs_its_review_meeting(user, declaration):
    """The committee secretary of the office whose meeting reviews (or reviewed) the declaration."""
    if not has_role(user, Role.COMMITTEE_SECRETARY):  # no secretary anywhere: no need to look for the meeting
        return False
    committee = reviewing_committee(declaration, closed_too=True)
    return committee is not None and has_role(user, Role.COMMITTEE_SECRETARY, committee.office)


def may_view(user, declaration) -> bool:
    """``declarations.view_declaration``: the applicant's own, and once submitted the system admin, the employer's
    staff, the overseeing roles above it and the secretary of its review meeting. The predicates called as plain
    functions in this order, each only when the ones before leave the answer open, as django-rules combines
    ``is_authenticated & (is_applicant | (is_submitted & (is_system_admin | …)))``; its combination of seven
    predicates (a context pushed and each one's arguments fitted per call) cost ≈ 4 % of a declaration's page."""
    return bool(user.is_authenticated and (is_applicant(user, declaration) or (is_submitted(user, declaration) and (
        is_system_admin(user) or is_employer_staff(user, declaration) or oversees_employer(user, declaration)
        or runs_its_review_meeting(user, declaration)))))


rules.add_perm("declarations.view_declaration", rules.predicate(may_view))
rules.add_perm("declarations.edit_declaration", rules.is_authenticated & is_applicant)


def department_of(declaration):
    """The competent department (or talent-service agency) above the employer, or None when the
    employer sits directly under the HR bureau (that step is then skipped)."""
    parent = declaration.employer.parent
    if parent is not None and parent.kind in (OrganisationKind.COMPETENT_DEPARTMENT, OrganisationKind.TALENT_AGENCY):
        return parent
    return None


def bureau_of(declaration):
    """The HR bureau above the employer: the first organisation of that kind going up the tree."""
    return declaration.employer.nearest_above(OrganisationKind.HR_BUREAU)


def reviewing_committee(declaration, *, closed_too: bool = False):
    """The committee whose meeting (not yet closed, or the latest with ``closed_too``) has the declaration."""
    from committees.selectors import reviewing_committee as committee_of

    return committee_of(declaration.pk, closed_too=closed_too) if declaration is not None else None


def deciding_body(declaration, actor_code: str):
    """The organisation whose step it is: the employer, its department, the bureau above, or the office
    of the review committee (评委会办事机构) acting for the committee whose meeting decided it."""
    if actor_code in (Actor.APPLICANT, Actor.EMPLOYER_STAFF, Actor.EMPLOYER_ADMIN):
        return declaration.employer
    if actor_code == Actor.DEPARTMENT:
        return department_of(declaration)
    if actor_code == Actor.COMMITTEE_SECRETARY:
        committee = reviewing_committee(declaration)
        return committee.office if committee is not None else None
    if actor_code == Actor.SYSTEM:  # a deadline of the plan: decided under the plan's issuing bureau
        return declaration.plan.organisation
    return bureau_of(declaration)


_STEP_ROLES = {
    Actor.EMPLOYER_STAFF: (Role.EMPLOYER_HANDLER, Role.EMPLOYER_ADMIN),
    Actor.EMPLOYER_ADMIN: (Role.EMPLOYER_ADMIN,),
    Actor.DEPARTMENT: (Role.DEPT_REVIEWER,),
    Actor.BUREAU: (Role.BUREAU_REVIEWER,),
    Actor.COMMITTEE_SECRETARY: (Role.COMMITTEE_SECRETARY,),
}


def may_take(user, declaration, transition: Transition) -> bool:
    """Whether the user is the one the transition table names for this step of this declaration:
    the applicant themself, or a holder of the step's role in the organisation whose step it is."""
    if not user.is_authenticated or transition.actor == Actor.SYSTEM:  # system moves are the sweeps' alone
        return False
    if transition.actor == Actor.APPLICANT:
        return bool(is_applicant(user, declaration))
    roles = _STEP_ROLES[transition.actor]
    if not any(has_role(user, role) for role in roles):  # the role nowhere: no need to find whose step it is
        return False
    if transition.actor == Actor.BUREAU:  # the bureau above the employer, found in the kept tree (accounts.tree)
        bureau = tree.nearest_above(declaration.employer, OrganisationKind.HR_BUREAU, user)
        return bureau is not None and any(m.role in roles and m.organisation_id == bureau for m in user.memberships())
    body = deciding_body(declaration, transition.actor)
    return body is not None and any(has_role(user, role, body) for role in roles)


def may_verify(user, declaration) -> bool:
    """Materials are verified by the employer's handlers and admins while the employer reviews."""
    return declaration.state == State.EMPLOYER_REVIEW and bool(is_employer_staff(user, declaration))
