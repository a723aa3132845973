"""Reads of committees shared by pages and the API."""

from .models import Committee


def public_committees():
    """Active committees with what their filing records (three queries whatever their number)."""
    return (Committee.objects.filter(is_active=True)
            .select_related("series", "organiser", "office").prefetch_related("specialties")
            .order_by("series__sort_order", "name"))
