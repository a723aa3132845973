"""The admin console's view of the results: publications (read-only, through the gate) with the yearly
data report (CSV, XLSX; personal numbers masked) of the plans of the selected publications.

The beat schedule is data written by migrations (reviews/0005_beat_schedule), not edited in the
console: django-celery-beat's own ModelAdmins are not gated (accounts/admin_base.py), so they are
taken out of the admin site."""

import itertools

from django.contrib import admin
from django_celery_beat import models as beat

from accounts.admin_base import GatedPlainAdmin
from accounts.exports import csv_response, xlsx_response

from .models import ResultPublication
from .selectors import REPORT_COLUMNS, access_report_plan, visible_publications, yearly_report_rows


@admin.register(ResultPublication)
class ResultPublicationAdmin(GatedPlainAdmin):
    list_display = ["meeting", "plan_name", "starts_on", "ends_on", "working_days", "published_at"]
    list_select_related = ["meeting__plan"]
    list_per_page = 50
    actions = ["report_csv", "report_xlsx"]
    change_rule = ""  # publications change only through the services (pages and API)

    def visible(self, user):
        return visible_publications(user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + ["declarations"]

    def has_add_permission(self, request, *args):
        return False

    @admin.display(description="评审方案", ordering="meeting__plan__name")
    def plan_name(self, obj):
        return obj.meeting.plan.name

    def _rows(self, request, queryset):
        plan_ids = sorted(set(queryset.values_list("meeting__plan_id", flat=True)))
        plans = [access_report_plan(request.user, pk) for pk in plan_ids]
        return itertools.chain.from_iterable(yearly_report_rows(plan) for plan in plans)

    @admin.action(description="导出所选公示所属评审方案的年度评审结果数据报表（CSV，个人号码已遮蔽）")
    def report_csv(self, request, queryset):
        return csv_response("results-report.csv", REPORT_COLUMNS, self._rows(request, queryset))

    @admin.action(description="导出所选公示所属评审方案的年度评审结果数据报表（Excel，个人号码已遮蔽）")
    def report_xlsx(self, request, queryset):
        return xlsx_response("results-report.xlsx", REPORT_COLUMNS, self._rows(request, queryset),
                             title="年度评审结果")


for model in (beat.PeriodicTask, beat.IntervalSchedule, beat.CrontabSchedule, beat.SolarSchedule,
              beat.ClockedSchedule):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
