from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Committee


@admin.register(Committee)
class CommitteeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "series", "office", "filing_number", "filed_until", "is_active"]
    list_filter = ["series", "is_active"]
    search_fields = ["name", "filing_number"]
