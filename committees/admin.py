from django.contrib import admin

from config.history_admin import HistoryAdmin

from .models import Committee


@admin.register(Committee)
class CommitteeAdmin(HistoryAdmin):
    list_display = ["name", "series", "office", "filing_number", "filed_until", "is_active"]
    list_filter = ["series", "is_active"]
    search_fields = ["name", "filing_number"]
