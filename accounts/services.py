"""Writes that mean something in accounts: the event log and role grants."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from .eventchain import GENESIS, chain_hash
from .models import Event, Role, RoleMembership
from .permissions import has_role, is_system_admin, oversees


def client_ip(request) -> str | None:
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return (forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR")) or None


# The key of the PostgreSQL advisory lock that serialises appends to the event chain.
EVENT_CHAIN_LOCK = 0x7A68_6576_656E_7473  # "zhevents"


@transaction.atomic
def record_event(*, actor, action: str, obj, from_state: str = "", to_state: str = "", comment: str = "",
                 request=None) -> Event:
    """Append one entry to the immutable event log. Call it inside the transition's transaction.

    The entry is chained to the one before it (accounts/eventchain.py). On PostgreSQL a transaction
    lock serialises writers until commit, so two transactions never chain to the same predecessor.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_CHAIN_LOCK])
    prev_hash = Event.objects.order_by("-pk").values_list("hash", flat=True).first() or GENESIS
    event = Event(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        ip_address=client_ip(request),
        created_at=timezone.now(),
        prev_hash=prev_hash,
    )
    event.hash = chain_hash(prev_hash, event.chain_content())
    event.save(force_insert=True)
    return event


# Who may grant which role (DOMAIN.md "Accounts", seed 002 二(三)3): the unit handles its own
# handlers and applicants; the level above allocates the unit's admin accounts.
_GRANTED_IN_OWN_ORG_BY = {
    Role.APPLICANT: {Role.EMPLOYER_ADMIN, Role.EMPLOYER_HANDLER},
    Role.EMPLOYER_HANDLER: {Role.EMPLOYER_ADMIN},
}
_GRANTED_FROM_ABOVE_BY = {
    Role.EMPLOYER_ADMIN: {Role.DEPT_REVIEWER, Role.BUREAU_REVIEWER},
    Role.DEPT_REVIEWER: {Role.BUREAU_REVIEWER},
}


def may_grant(actor, role: str, organisation) -> bool:
    if is_system_admin(actor):
        return True
    if any(has_role(actor, r, organisation) for r in _GRANTED_IN_OWN_ORG_BY.get(role, ())):
        return True
    parent = organisation.parent
    return parent is not None and oversees(actor, parent) and any(
        has_role(actor, r, o) for r in _GRANTED_FROM_ABOVE_BY.get(role, ()) for o in _ancestors(parent)
    )


def _ancestors(organisation):
    node = organisation
    while node is not None:
        yield node
        node = node.parent


@transaction.atomic
def grant_role(*, actor, user, organisation, role: str, request=None) -> RoleMembership:
    if not may_grant(actor, role, organisation):
        raise PermissionDenied(f"您无权在“{organisation}”授予“{Role(role).label}”角色")
    membership, created = RoleMembership.objects.get_or_create(user=user, organisation=organisation, role=role)
    if created:
        record_event(actor=actor, action="grant_role", obj=user, to_state=role,
                     comment=f"{organisation} · {Role(role).label}", request=request)
    return membership
