from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    PlanAmendment,
    PlanPhase,
    ReviewPlan,
    RulebookVersion,
    Series,
    Specialty,
    TitleName,
    WorkingDaySchedule,
)
from .plan_rules import PHASES
from .services import PlanError, amend_plan, publish_plan, store_schedule


class SpecialtyInline(admin.TabularInline):
    model = Specialty
    extra = 0


class TitleNameInline(admin.TabularInline):
    model = TitleName
    extra = 0
    fields = ["level", "specialty", "name"]


@admin.register(Series)
class SeriesAdmin(SimpleHistoryAdmin):
    list_display = ["name", "full_name", "sort_order", "is_active"]
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

    def save_model(self, request, obj, form, change):
        saved = store_schedule(actor=request.user, year=obj.year, holidays=obj.holidays, workdays=obj.workdays,
                               source=obj.source, reason="管理后台录入")
        obj.pk = saved.pk


# --- annual review plans: drafts are edited here; publishing and amendments go through services ---


class PlanPhaseInline(admin.TabularInline):
    model = PlanPhase
    extra = 0

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.status == ReviewPlan.Status.DRAFT

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(ReviewPlan)
class ReviewPlanAdmin(SimpleHistoryAdmin):
    list_display = ["name", "year", "committee", "series", "issued_on", "status", "published_at"]
    list_filter = ["year", "status", "series"]
    search_fields = ["name", "document_number"]
    inlines = [PlanPhaseInline]
    actions = ["publish_selected"]
    filter_horizontal = ["specialties"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != ReviewPlan.Status.DRAFT:
            return [f.name for f in obj._meta.fields] + ["specialties"]
        return ["status", "published_at"]

    @admin.action(description="发布所选方案（逐条检查评审日历规则）")
    def publish_selected(self, request, queryset):
        for plan in queryset:
            try:
                publish_plan(actor=request.user, plan_id=plan.pk, request=request)
            except (PlanError, PermissionDenied) as exc:
                self.message_user(request, f"“{plan}”未发布：{exc}", messages.ERROR)
            else:
                self.message_user(request, f"“{plan}”已发布", messages.SUCCESS)


class PlanAmendmentForm(forms.ModelForm):
    kind = forms.ChoiceField(label="修订阶段", choices=PHASES)
    start = forms.DateField(label="新的开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="新的结束日期", widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = PlanAmendment
        fields = ["plan", "kind", "start", "end", "reason"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["plan"].queryset = ReviewPlan.objects.filter(status=ReviewPlan.Status.PUBLISHED)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.amendment = amend_plan(actor=self.request.user, plan_id=data["plan"].pk, reason=data["reason"],
                                        phases={data["kind"]: (data["start"], data["end"])}, request=self.request)
        except (PlanError, PermissionDenied) as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(PlanAmendment)
class PlanAmendmentAdmin(admin.ModelAdmin):
    """Amendments are added (through ``amend_plan``) and read, never edited or deleted."""

    list_display = ["plan", "number", "reason", "actor", "created_at"]
    form = PlanAmendmentForm

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            return super(admin.ModelAdmin, self).get_form(request, obj, fields=["plan"], **kwargs)
        form = super().get_form(request, obj, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, request=request, **inner)

        return RequestForm

    def get_readonly_fields(self, request, obj=None):
        return ["plan", "number", "reason", "before", "after", "actor", "created_at"] if obj else []

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) if obj else ["plan", "kind", "start", "end", "reason"]

    def save_model(self, request, obj, form, change):
        # amend_plan already saved it inside form.clean(), in the admin view's transaction
        obj.pk, obj.number, obj.created_at = form.amendment.pk, form.amendment.number, form.amendment.created_at
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False
