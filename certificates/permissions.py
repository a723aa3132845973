"""Who may see, issue and revoke certificates (django-rules; the selectors and services ask these)."""

import rules

from accounts.models import Role
from accounts.permissions import bureau_region_codes, is_system_admin, member_org_ids, oversees


@rules.predicate
def is_holder(user, certificate):
    return certificate is not None and certificate.holder_id is not None and certificate.holder_id == user.pk


@rules.predicate
def is_employer_staff(user, certificate):
    """The holder's employer: its handlers and admins, and the organisations above it that oversee it."""
    if certificate is None or certificate.employer_id is None:
        return False
    if certificate.employer_id in member_org_ids(user, {Role.EMPLOYER_HANDLER, Role.EMPLOYER_ADMIN}):
        return True
    return oversees(user, certificate.employer)


@rules.predicate
def is_region_bureau(user, certificate):
    return certificate is not None and certificate.region_code in bureau_region_codes(user)


@rules.predicate
def is_bureau_reviewer(user):
    return bool(bureau_region_codes(user))


rules.add_perm("certificates.view_certificate",
               rules.is_authenticated & (is_holder | is_employer_staff | is_region_bureau | is_system_admin))
rules.add_perm("certificates.revoke_certificate", rules.is_authenticated & (is_region_bureau | is_system_admin))
rules.add_perm("certificates.issue_certificates", rules.is_authenticated & (is_bureau_reviewer | is_system_admin))
rules.add_perm("certificates.import_certificates", rules.is_authenticated & (is_bureau_reviewer | is_system_admin))
