"""Filters of the audit pages (django-filter): actor, organisation, action, object and dates."""

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from .models import Event, PersonalDataAccess, RoleMembership
from .selectors import visible_organisations
from .services import ACTION_LABELS

DOMAIN_APPS = ("accounts", "titles", "committees", "declarations", "reviews", "certificates")


def _people_of(organisation):
    return RoleMembership.objects.filter(organisation=organisation).values("user")


class _AuditFilter(django_filters.FilterSet):
    since = django_filters.DateFilter(label="起始日期", field_name="created_at", lookup_expr="date__gte",
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(label="截止日期", field_name="created_at", lookup_expr="date__lte",
                                      widget=forms.DateInput(attrs={"type": "date"}))
    organisation = django_filters.ModelChoiceFilter(label="单位", queryset=lambda request: visible_organisations(request.user),
                                                    method="filter_organisation", empty_label="全部单位")
    person_field = "actor"

    def filter_organisation(self, queryset, name, value):
        return queryset.filter(**{f"{self.person_field}__in": _people_of(value)})

    @staticmethod
    def _named(queryset, field, value):
        return queryset.filter(Q(**{f"{field}__username__icontains": value})
                               | Q(**{f"{field}__real_name__icontains": value}))


class EventFilter(_AuditFilter):
    actor = django_filters.CharFilter(label="操作人", method="filter_actor", help_text="姓名或用户名")
    action = django_filters.ChoiceFilter(label="操作", empty_label="全部操作")
    content_type = django_filters.ModelChoiceFilter(label="对象类型", empty_label="全部类型",
                                                    queryset=ContentType.objects.none())
    object = django_filters.CharFilter(label="对象", method="filter_object", help_text="对象名称或编号")

    class Meta:
        model = Event
        fields = ["actor", "organisation", "action", "content_type", "object", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # choices from what the apps declare, not from scanning the log (which only grows)
        self.filters["action"].extra["choices"] = sorted(ACTION_LABELS.items(), key=lambda item: item[1])
        self.filters["content_type"].queryset = ContentType.objects.filter(app_label__in=DOMAIN_APPS).order_by(
            "app_label", "model")

    def filter_actor(self, queryset, name, value):
        return self._named(queryset, "actor", value)

    def filter_object(self, queryset, name, value):
        return queryset.filter(Q(object_repr__icontains=value) | Q(object_id=value))


class PersonalDataAccessFilter(_AuditFilter):
    viewer = django_filters.CharFilter(label="查看人", method="filter_viewer", help_text="姓名或用户名")
    person = django_filters.CharFilter(label="被查看人", method="filter_person", help_text="姓名或用户名")
    person_field = "person"

    class Meta:
        model = PersonalDataAccess
        fields = ["viewer", "person", "organisation", "since", "until"]

    def filter_viewer(self, queryset, name, value):
        return self._named(queryset, "viewer", value)

    def filter_person(self, queryset, name, value):
        return self._named(queryset, "person", value)
