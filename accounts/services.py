"""Writes that mean something in accounts: the event log, role grants and admin-console writes."""

import rules
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .client_ip import client_ip
from .models import Event, PersonalDataAccess, Role, RoleMembership, SignInRecord, User
from .permissions import has_role, is_system_admin, oversees

# Chinese names of the event log's actions, for the audit pages and exports. Each app adds its own in
# its AppConfig.ready() (as DEMO_LOADERS); an action missing here is shown by its code.
ACTION_LABELS: dict[str, str] = {
    "grant_role": "授予角色", "admin_add": "管理后台新增", "admin_change": "管理后台修改",
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def record_event(*, actor, action: str, obj, from_state: str = "", to_state: str = "", comment: str = "",
                 request=None) -> Event:
    """Append one entry to the immutable event log. Call it inside the transition's transaction."""
    return Event.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        ip_address=client_ip(request),
    )


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


@transaction.atomic
def save_with_event(*, actor, obj, permission: str, fields=(), request=None):
    """An admin-console write of a domain object: the actor must hold ``permission`` (a django-rules
    permission, tested without the superuser shortcut) on the stored row, locked, and on the new
    values; the object is saved with its history and one event names the fields changed."""
    model = type(obj)
    adding = obj._state.adding
    if not adding:
        stored = model._default_manager.select_for_update().get(pk=obj.pk)
        if not rules.has_perm(permission, actor, stored):
            raise PermissionDenied(f"您无权修改“{stored}”")
    if not rules.has_perm(permission, actor, obj):
        raise PermissionDenied(f"您无权保存“{obj}”")
    obj._change_reason = "管理后台" + ("新增" if adding else "修改")
    obj.save()
    labels = [str(model._meta.get_field(f).verbose_name) if f in {x.name for x in model._meta.get_fields()} else f
              for f in fields]
    record_event(actor=actor, action="admin_add" if adding else "admin_change", obj=obj,
                 comment=("修改：" + "、".join(labels)) if labels else "", request=request)
    return obj


# --- personal data and sign-ins ------------------------------------------------------------------


class PersonalDataError(Exception):
    """A request to see full personal data refused, with the form field it concerns."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@transaction.atomic
def reveal_personal_data(*, actor, person_id, reason: str, request=None) -> User:
    """Record that ``actor`` looks at a person's full ID number and phone, and why; returns the person.
    The record is written first: nothing is shown when it cannot be written."""
    from .selectors import access_person

    person = access_person(actor, person_id)
    if not actor.has_perm("accounts.reveal_personal_data", person):
        raise PermissionDenied("您无权查看该人员的完整号码")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise PersonalDataError("reason", "请填写查看完整号码的理由（至少 4 个字），该理由将被记录并供审计")
    PersonalDataAccess.objects.create(viewer=actor, person=person, reason=reason[:500], ip_address=client_ip(request))
    return person


def record_sign_in(*, user=None, username: str, succeeded: bool, request=None) -> SignInRecord:
    """Append one sign-in attempt to the sign-in log; a success also sets ``last_login`` without a
    history row (a sign-in is not a change of the user)."""
    if succeeded and user is not None:
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    agent = request.META.get("HTTP_USER_AGENT", "")[:255] if request is not None else ""
    return SignInRecord.objects.create(user=user if succeeded else None, username=(username or "")[:150],
                                       succeeded=succeeded, ip_address=client_ip(request), user_agent=agent)
