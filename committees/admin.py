from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from titles.models import Level

from .models import Committee


class CommitteeForm(forms.ModelForm):
    levels = forms.MultipleChoiceField(label="评审层级", choices=Level.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Committee
        fields = ["name", "organiser", "office", "is_active", "filing_number", "filed_from", "filed_until",
                  "series", "specialties", "levels", "scope", "conditions", "regulations"]


@admin.register(Committee)
class CommitteeAdmin(SimpleHistoryAdmin):
    form = CommitteeForm
    list_display = ["name", "series", "organiser", "office", "filing_number", "filed_from", "filed_until",
                    "is_active"]
    list_filter = ["series", "is_active"]
    search_fields = ["name", "filing_number"]
    filter_horizontal = ["specialties"]
    fieldsets = [
        (None, {"fields": ["name", "organiser", "office", "is_active"]}),
        ("核准备案", {"fields": ["filing_number", "filed_from", "filed_until"]}),
        ("备案内容", {"fields": ["series", "specialties", "levels", "scope", "conditions", "regulations"]}),
    ]
