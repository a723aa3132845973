from django import forms
from django.contrib import admin

from accounts.admin_base import GatedAdmin
from titles.admin import LevelsField

from .models import Committee
from .selectors import visible_committees


class CommitteeForm(forms.ModelForm):
    levels = LevelsField(label="评审层级")

    class Meta:
        model = Committee
        fields = ["name", "organiser", "office", "is_active", "filing_number", "filed_from", "filed_until",
                  "series", "specialties", "levels", "scope", "conditions", "regulations"]


@admin.register(Committee)
class CommitteeAdmin(GatedAdmin):
    list_display = ["name", "series", "organiser", "office", "filing_number", "filed_from", "filed_until",
                    "is_active"]
    list_filter = ["series", "is_active"]
    search_fields = ["name", "filing_number"]
    form = CommitteeForm
    change_rule = "committees.manage_committee"
    filter_horizontal = ["specialties"]
    fieldsets = [
        (None, {"fields": ["name", "organiser", "office", "is_active"]}),
        ("核准备案", {"fields": ["filing_number", "filed_from", "filed_until"]}),
        ("备案内容", {"fields": ["series", "specialties", "levels", "scope", "conditions", "regulations"]}),
    ]

    def visible(self, user):
        return visible_committees(user)
