"""The reviewers' queue filters (django-filter): year, series, level, state, unit, deadline."""

import django_filters
from django import forms

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
