"""Reads shared by pages and the API; ``access_*`` is the gate between an id and an object."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Event, Organisation, PersonalDataAccess, RoleMembership, User
from .permissions import OVERSEEING_ROLES, is_system_admin, member_org_ids


def access_organisation(actor, pk, *, for_update: bool = False) -> Organisation:
    queryset = Organisation.objects.select_related("parent")
    if for_update:
        queryset = queryset.select_for_update()
    organisation = get_object_or_404(queryset, pk=pk)
    if not actor.has_perm("accounts.view_organisation", organisation):
        raise PermissionDenied("您无权查看该单位的信息")
    return organisation


def visible_organisations(actor) -> QuerySet[Organisation]:
    """Organisations the actor may see: their own, and those below where they hold an overseeing role."""
    queryset = Organisation.objects.select_related("parent")
    if is_system_admin(actor):
        return queryset
    own = member_org_ids(actor)
    overseen = member_org_ids(actor, OVERSEEING_ROLES)
    ids = set(own) | _descendant_ids(overseen)
    return queryset.filter(pk__in=ids)


def _descendant_ids(root_ids: set[int]) -> set[int]:
    """All organisations at or below the roots, one query per level of the tree (levels are few)."""
    found, frontier = set(root_ids), set(root_ids)
    while frontier:
        frontier = set(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


def organisation_members(organisation) -> QuerySet[RoleMembership]:
    return RoleMembership.objects.filter(organisation=organisation).select_related("user").order_by("role", "user__pk")


def visible_users(actor) -> QuerySet[User]:
    """Users the actor may see: all for the system admin; else those with a role in a visible organisation."""
    if is_system_admin(actor):
        return User.objects.all()
    organisations = visible_organisations(actor).values("pk")
    return User.objects.filter(pk__in=RoleMembership.objects.filter(organisation__in=organisations).values("user"))


def access_person(actor, pk) -> User:
    """The gate between a user id and a person's page: 404 when absent, 403 when out of the actor's reach."""
    person = get_object_or_404(User.objects.all(), pk=pk)
    if person.pk != actor.pk and not visible_users(actor).filter(pk=person.pk).exists():
        raise PermissionDenied("您无权查看该人员的信息")
    return person


def audit_events(actor) -> QuerySet[Event]:
    """The event log as the audit page reads it: all for the system admin; for an auditor, the events
    of people with a role in an organisation the auditor oversees."""
    queryset = Event.objects.select_related("actor", "content_type").order_by("-created_at", "-pk")
    if is_system_admin(actor):
        return queryset
    return queryset.filter(actor__in=visible_users(actor).values("pk"))


def audit_personal_data_access(actor) -> QuerySet[PersonalDataAccess]:
    """Looks at full personal data: all for the system admin; for an auditor, looks at people with a
    role in an organisation the auditor oversees."""
    queryset = PersonalDataAccess.objects.select_related("viewer", "person").order_by("-created_at", "-pk")
    if is_system_admin(actor):
        return queryset
    return queryset.filter(person__in=visible_users(actor).values("pk"))
