"""The reviewers' queue filters (django-filter): year, series, level, state, unit, deadline."""

import django_filters
from django import forms
from django.template.loader import render_to_string
from django.utils.translation import get_language

from declarations.flow import State
from declarations.models import Declaration
from titles.models import Level


class QueueFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label="年度", min_value=1950, max_value=2100)
    series = django_filters.CharFilter(field_name="series__name", label="系列", max_length=50)
    level = django_filters.ChoiceFilter(choices=Level.choices, label="层级", empty_label="全部")
    state = django_filters.ChoiceFilter(choices=State.choices, label="状态", empty_label="全部")
    unit = django_filters.CharFilter(field_name="employer__name", lookup_expr="icontains", label="单位", max_length=100)
    deadline_before = django_filters.DateFilter(
        field_name="corrections__deadline", lookup_expr="lte", label="补正期限不晚于",
        widget=forms.DateInput(attrs={"type": "date"}), distinct=True)

    class Meta:
        model = Declaration
        fields = ["year", "series", "level", "state", "unit", "deadline_before"]


FIELDS_TEMPLATE = "reviews/_queue_filter.html"
_blank_fields: dict[str, str] = {}  # language → the unbound form's fields, rendered once per process


def filter_fields_html(filterset: QueueFilter | None) -> str:
    """The filter form's fields. Unfiltered (``None``: the queue's every page without a query), the
    form is the same for every request and every reviewer (its options are the code's choices), so it
    is rendered once per process and language: django-filter builds and renders six widgets for about
    2 ms a page otherwise. A filtered queue renders its bound form, with the values and errors."""
    if filterset is not None:
        return render_to_string(FIELDS_TEMPLATE, {"filter": filterset})
    language = get_language()
    html = _blank_fields.get(language)
    if html is None:
        html = _blank_fields[language] = render_to_string(
            FIELDS_TEMPLATE, {"filter": QueueFilter(None, queryset=Declaration.objects.none())})
    return html
