"""Reads shared by pages, the API and the admin: the gate, the lists and the public look-up."""

import secrets

from django.db import router
from django.db.models import Q, QuerySet

from accounts.models import Role
from accounts.permissions import OVERSEEING_ROLES, bureau_region_codes, is_system_admin, member_org_ids
from accounts.selectors import gated_object, visible_organisations
from config.prepared import PreparedValues

from .models import Certificate


def _certificates() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("holder", "employer")


def access_certificate(actor, pk, *, for_update: bool = False) -> Certificate:
    """The gate between a certificate id and the certificate: 404 when absent, 403 when not visible."""
    return gated_object(_certificates(), pk, for_update=for_update,
                        allowed=lambda certificate: actor.has_perm("certificates.view_certificate", certificate), refusal="您无权查看该证书")


def visible_certificates(actor) -> QuerySet[Certificate]:
    """The holder's own; the employer's staff's for its handlers, admins and the organisations above it;
    the region's for its HR bureau; all for the system admin."""
    queryset = _certificates().order_by("-issued_at", "-pk")
    if not actor.is_authenticated:
        return queryset.none()
    if is_system_admin(actor):
        return queryset
    condition = Q(holder=actor)
    staff_orgs = member_org_ids(actor, {Role.EMPLOYER_HANDLER, Role.EMPLOYER_ADMIN})
    if staff_orgs:
        condition |= Q(employer_id__in=staff_orgs)
    if member_org_ids(actor, OVERSEEING_ROLES):
        condition |= Q(employer_id__in=visible_organisations(actor).values("pk"))
    regions = bureau_region_codes(actor)
    if regions:
        condition |= Q(region_code__in=regions)
    return queryset.filter(condition)


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).upper()


# what the public verification reads: ``public_view``'s fields and the code to compare
_VERIFIED_FIELDS = ("id", "number", "verification_code", "status", "holder_name", "holder_id_masked", "series_name",
                    "specialty_name", "level", "title_name", "committee_name", "approval_document", "approved_on",
                    "scope", "origin", "revoked_at", "revocation_reason")
# compiled once per process (the ORM's compiling cost more than the query: issue 20)
_BY_NUMBER = PreparedValues(lambda number: Certificate.objects.filter(number=number).values(*_VERIFIED_FIELDS),
                            text_args=(0,))


def find_for_verification(number: str, code: str) -> Certificate | None:
    """The certificate with this number and verification code, or None; which of the two was wrong is
    not told (the code is compared in constant time). Only what ``public_view`` shows is read: any other
    field of the certificate returned is read on first access."""
    number = "".join((number or "").split())
    if not number or len(number) > 40:
        return None
    row = next(iter(_BY_NUMBER.rows(number)), None)  # the number is unique
    if row is None or not secrets.compare_digest(row["verification_code"].encode(), normalise_code(code).encode()):
        return None
    names = [f.attname for f in Certificate._meta.concrete_fields if f.attname in row]
    return Certificate.from_db(router.db_for_read(Certificate), names, [row[name] for name in names])


def public_view(certificate: Certificate) -> dict:
    """What the public verification shows: status (and, when revoked, date and reason category), the
    masked holder data and the title; never more (no reason text, no ids, no files)."""
    data = {
        "number": certificate.number,
        "status": certificate.status,
        "status_display": certificate.get_status_display(),
        "holder_name": certificate.holder_name,
        "holder_id_number": certificate.holder_id_masked,
        "series": certificate.series_name,
        "specialty": certificate.specialty_name,
        "level": certificate.level,
        "level_display": certificate.get_level_display(),
        "title_name": certificate.title_name,
        "committee": certificate.committee_name,
        "approval_document": certificate.approval_document,
        "approved_on": certificate.approved_on.isoformat(),
        "scope": certificate.scope,
        "origin": certificate.origin,
        "origin_display": certificate.get_origin_display(),
        "revoked_on": None,
        "revocation_reason": "",
        "revocation_reason_display": "",
    }
    if certificate.status == Certificate.Status.REVOKED:
        from django.utils import timezone

        data.update(revoked_on=timezone.localtime(certificate.revoked_at).date().isoformat(),
                    revocation_reason=certificate.revocation_reason,
                    revocation_reason_display=certificate.get_revocation_reason_display())
    return data
