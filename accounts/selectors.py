"""Reads shared by pages and the API; ``access_*`` is the gate between an id and an object."""

from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from . import request_cache
from .eventchain import ChainLink
from .models import Event, Organisation, PersonalDataAccess, Role, RoleMembership, User
from .permissions import (
    ALLOCATED_ROLES,
    OVERSEEING_ROLES,
    is_system_admin,
    may_grant,
    may_manage_account,
    member_org_ids,
)


def gated_object(queryset, pk, *, for_update: bool = False, allowed, refusal: str, fetch=None):
    """The steps every ``access_*`` gate shares: fetch (404 when absent), lock the row on request, and
    check that the actor may see it (``allowed(obj)``; 403 with ``refusal`` when not). ``fetch(pk, for_update)``
    reads the object (None: absent) in place of the queryset, e.g. through a prepared query (config/prepared.py);
    with ``fetch`` the queryset may be the model alone (building a queryset nobody reads costs a page ≈ 0.05 ms)."""
    if fetch is not None:
        obj = fetch(pk, for_update)
        if obj is None:
            model = queryset if isinstance(queryset, type) else queryset.model
            raise Http404(f"No {model._meta.object_name} matches the given query.")
    else:
        obj = get_object_or_404(queryset.select_for_update(of=("self",)) if for_update else queryset, pk=pk)
    if not allowed(obj):
        raise PermissionDenied(refusal)
    return obj


def access_organisation(actor, pk, *, for_update: bool = False) -> Organisation:
    return gated_object(Organisation.objects.select_related("parent"), pk, for_update=for_update,
                        allowed=lambda organisation: actor.has_perm("accounts.view_organisation", organisation), refusal="您无权查看该单位的信息")


def visible_organisations(actor) -> QuerySet[Organisation]:
    """Organisations the actor may see: their own, and those below where they hold an overseeing role."""
    queryset = Organisation.objects.select_related("parent")
    if is_system_admin(actor):
        return queryset
    own = member_org_ids(actor)
    overseen = member_org_ids(actor, OVERSEEING_ROLES)
    ids = set(own) | _descendant_ids(overseen)
    return queryset.filter(pk__in=ids)


def visible_organisation_ids(actor) -> set[int] | None:
    """The ids of ``visible_organisations`` (None: every organisation, for the system admin), from the
    request cache when it holds them for the current roles version."""
    if is_system_admin(actor):
        return None
    return set(request_cache.organisation_ids(
        actor, lambda: sorted(set(member_org_ids(actor)) | _descendant_ids(member_org_ids(actor, OVERSEEING_ROLES)))))


def _descendant_ids(root_ids: set[int]) -> set[int]:
    """All organisations at or below the roots, one query per level of the tree (levels are few)."""
    found, frontier = set(root_ids), set(root_ids)
    while frontier:
        frontier = set(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


def organisation_members(organisation) -> QuerySet[RoleMembership]:
    return RoleMembership.objects.filter(organisation=organisation).select_related("user").order_by("role", "user__pk")


def event_chain_links(chunk_size: int = 2000) -> Iterator[ChainLink]:
    """Every event as a link of the hash chain, in id order (streamed, one query per chunk)."""
    events = Event.objects.select_related("content_type").order_by("pk").iterator(chunk_size=chunk_size)
    for event in events:
        yield ChainLink(pk=event.pk, prev_hash=event.prev_hash, hash=event.hash, content=event.chain_content())


def allocation_targets(actor) -> list[tuple[Organisation, list[str]]]:
    """Where the actor allocates accounts and which roles (seed 002 二(三)3, permissions.may_grant); each
    organisation comes with its members (``organisation.member_list``), in a constant number of queries."""
    roles = Role.values if is_system_admin(actor) else ALLOCATED_ROLES
    members = RoleMembership.objects.select_related("user").order_by("role", "user__pk")
    organisations = (visible_organisations(actor).select_related("parent__parent__parent")
                     .prefetch_related(Prefetch("memberships", queryset=members, to_attr="member_list"))
                     .order_by("region_code", "pk"))
    targets = []
    for organisation in organisations:
        allowed = [role for role in roles if may_grant(actor, role, organisation)]
        if allowed:
            targets.append((organisation, allowed))
    return targets


def access_membership(actor, pk, *, for_update: bool = False) -> RoleMembership:
    """A role membership the actor allocates (and so may revoke)."""
    return gated_object(RoleMembership.objects.select_related("user", "organisation__parent__parent__parent"), pk, for_update=for_update,
                        allowed=lambda membership: may_grant(actor, membership.role, membership.organisation), refusal="您无权管理该角色")


def access_managed_user(actor, pk, *, for_update: bool = False) -> User:
    """An account the actor allocates (one of its roles), e.g. to reset its password."""
    return gated_object(User.objects.all(), pk, for_update=for_update,
                        allowed=lambda user: may_manage_account(actor, user), refusal="您无权管理该账号")


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
