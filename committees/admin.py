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
        fields = ["name", "organiser", "office", "series", "levels", "scope", "filing_number", "filed_until",
                  "is_active"]


@admin.register(Committee)
class CommitteeAdmin(GatedAdmin):
    list_display = ["name", "series", "office", "filing_number", "filed_until", "is_active"]
    list_filter = ["series", "is_active"]
    search_fields = ["name", "filing_number"]
    form = CommitteeForm
    change_rule = "committees.manage_committee"

    def visible(self, user):
        return visible_committees(user)
