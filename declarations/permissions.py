"""Who may see and act on declarations (django-rules; see accounts/permissions.py).

The applicant sees their own declarations, drafts included. Staff see a declaration once it has
been submitted: the employer's handlers and admins, and the overseeing roles above the employer
(competent department, HR bureau, auditor); the system admin sees everything.
"""

import rules

from accounts.models import Role
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


rules.add_perm("declarations.view_declaration",
               rules.is_authenticated & (is_applicant | (is_submitted & (
                   is_system_admin | is_employer_staff | oversees_employer))))
rules.add_perm("declarations.edit_declaration", rules.is_authenticated & is_applicant)


def may_take(user, declaration, transition: Transition) -> bool:
    """Whether the user is the one the transition table names for this step of this declaration."""
    if transition.actor == Actor.APPLICANT:
        return bool(user.is_authenticated and is_applicant(user, declaration))
    return False
