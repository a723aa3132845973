"""Reads shared by pages, the API and the admin console for review committees."""

from django.db.models import Q

from accounts.permissions import is_system_admin
from accounts.selectors import visible_organisations

from .models import Committee


def visible_committees(actor):
    """Committees organised by, or run by an office in, an organisation the actor may see."""
    queryset = Committee.objects.select_related("organiser", "office", "series")
    if is_system_admin(actor):
        return queryset
    organisations = visible_organisations(actor).values("pk")
    return queryset.filter(Q(organiser__in=organisations) | Q(office__in=organisations))


def public_committees():
    """Active committees with what their filing records (three queries whatever their number)."""
    return (Committee.objects.filter(is_active=True)
            .select_related("series", "organiser", "office").prefetch_related("specialties")
            .order_by("series__sort_order", "name"))
