from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import RulebookVersion, Series, Specialty, TitleName, WorkingDaySchedule


class SpecialtyInline(admin.TabularInline):
    model = Specialty
    extra = 0


class TitleNameInline(admin.TabularInline):
    model = TitleName
    extra = 0


@admin.register(Series)
class SeriesAdmin(SimpleHistoryAdmin):
    list_display = ["name", "sort_order", "is_active"]
    inlines = [TitleNameInline, SpecialtyInline]


@admin.register(Specialty)
class SpecialtyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "series", "added_year", "is_active"]
    list_filter = ["series", "is_active"]
    search_fields = ["name"]


@admin.register(RulebookVersion)
class RulebookVersionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "region_code", "year", "version", "status", "source"]
    list_filter = ["status", "region_code", "year"]


@admin.register(WorkingDaySchedule)
class WorkingDayScheduleAdmin(SimpleHistoryAdmin):
    list_display = ["year", "source", "updated_at"]
