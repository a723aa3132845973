import rules
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied

from accounts.admin_base import GatedAdmin, GatedInline
from accounts.permissions import bureau_region_codes, is_system_admin

from .models import (
    Level,
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
from .selectors import managed_amendments, managed_plans, plan_issuers, visible_rulebooks
from .services import (
    PlanError,
    RulebookError,
    activate_rulebook,
    amend_plan,
    copy_rulebook,
    publish_plan,
    store_schedule,
)


class LevelsField(forms.MultipleChoiceField):
    """The five levels, ticked rather than typed as JSON."""

    def __init__(self, **kwargs):
        kwargs.pop("encoder", None), kwargs.pop("decoder", None), kwargs.pop("max_length", None)
        super().__init__(choices=Level.choices, widget=forms.CheckboxSelectMultiple, **kwargs)

    def clean(self, value):
        chosen = set(super().clean(value))
        return [level for level in Level.values if level in chosen]


# --- national data: the catalogue and holiday schedules, changed by the system admin only ---------


class NationalDataAdmin(GatedAdmin):
    change_rule = "titles.manage_national_data"

    def visible(self, user):
        return self.model._default_manager.all()


class SpecialtyInline(GatedInline, admin.TabularInline):
    model = Specialty
    extra = 0
    parent_rule = "titles.manage_national_data"


class TitleNameInline(GatedInline, admin.TabularInline):
    model = TitleName
    extra = 0
    fields = ["level", "specialty", "name"]
    parent_rule = "titles.manage_national_data"


@admin.register(Series)
class SeriesAdmin(NationalDataAdmin):
    list_display = ["name", "full_name", "sort_order", "is_active"]
    inlines = [TitleNameInline, SpecialtyInline]


@admin.register(Specialty)
class SpecialtyAdmin(NationalDataAdmin):
    list_display = ["name", "series", "added_year", "is_active"]
    list_filter = ["series", "is_active"]
    search_fields = ["name"]

    def visible(self, user):
        return Specialty.objects.select_related("series")


@admin.register(TitleName)
class TitleNameAdmin(NationalDataAdmin):
    list_display = ["name", "series", "level"]
    list_filter = ["series", "level"]

    def visible(self, user):
        return TitleName.objects.select_related("series")


@admin.register(WorkingDaySchedule)
class WorkingDayScheduleAdmin(NationalDataAdmin):
    list_display = ["year", "source", "updated_at"]

    def save_model(self, request, obj, form, change):
        saved = store_schedule(actor=request.user, year=obj.year, holidays=obj.holidays, workdays=obj.workdays,
                               source=obj.source, reason="管理后台录入")
        obj.pk = saved.pk


# --- rulebooks: national layers by the system admin, a region's layers by its bureau --------------


class RulebookForm(forms.ModelForm):
    class Meta:
        model = RulebookVersion
        fields = ["name", "region_code", "year", "version", "eligibility", "calendar", "source"]


@admin.register(RulebookVersion)
class RulebookVersionAdmin(GatedAdmin):
    """Drafts are edited here; a version becomes active only through the action (``activate_rulebook``),
    and an active version is copied to a new draft (``copy_rulebook``), never edited in place."""

    list_display = ["name", "region_code", "year", "version", "status", "source"]
    list_filter = ["status", "region_code", "year"]
    form = RulebookForm
    change_rule = "titles.edit_rulebook"
    actions = ["copy_selected", "activate_selected"]

    def visible(self, user):
        return visible_rulebooks(user)

    def is_frozen(self, obj):
        return obj.status != RulebookVersion.Status.DRAFT

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and (self.is_frozen(obj) or not self.has_change_permission(request, obj)):
            return ["name", "region_code", "year", "version", "status", "eligibility", "calendar", "source"]
        return ["status"] + (["region_code", "year", "version"] if obj is not None else [])

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "region_code" and not is_system_admin(request.user):
            regions = sorted(bureau_region_codes(request.user))
            return forms.ChoiceField(label=db_field.verbose_name, choices=[(r, r) for r in regions],
                                     help_text="人社部门只能维护本地区的规则库；全国规则库由系统管理员维护")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def _each(self, request, queryset, service, done: str):
        self.act_on_each(request, queryset, lambda rulebook: service(
            actor=request.user, rulebook_id=rulebook.pk, request=request), done, RulebookError)

    @admin.action(description="复制为新版本（草稿，可修改后生效）")
    def copy_selected(self, request, queryset):
        self._each(request, queryset, copy_rulebook, "复制为新版本")

    @admin.action(description="使所选草稿版本生效（同一层原生效版本停用）")
    def activate_selected(self, request, queryset):
        self._each(request, queryset, activate_rulebook, "生效")


# --- annual review plans: drafts are edited here; publishing and amendments go through services ---


class PlanPhaseInline(GatedInline, admin.TabularInline):
    model = PlanPhase
    extra = 0
    parent_rule = "titles.edit_plan"


class ReviewPlanForm(forms.ModelForm):
    levels = LevelsField(label="层级")

    class Meta:
        model = ReviewPlan
        fields = ["year", "name", "organisation", "committee", "series", "specialties", "levels",
                  "document_number", "issued_on"]


@admin.register(ReviewPlan)
class ReviewPlanAdmin(GatedAdmin):
    """Drafts are edited here (``save_with_event``); publishing and amendments go through their services."""

    list_display = ["name", "year", "committee", "series", "issued_on", "status", "published_at"]
    list_filter = ["year", "status", "series"]
    search_fields = ["name", "document_number"]
    inlines = [PlanPhaseInline]
    actions = ["publish_selected"]
    filter_horizontal = ["specialties"]
    form = ReviewPlanForm
    change_rule = "titles.edit_plan"

    def visible(self, user):
        return managed_plans(user)

    def is_frozen(self, obj):
        return obj.status != ReviewPlan.Status.DRAFT

    def foreign_key_choices(self, request, db_field):
        if db_field.name == "organisation":
            return plan_issuers(request.user)
        return super().foreign_key_choices(request, db_field)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and (self.is_frozen(obj) or not self.has_change_permission(request, obj)):
            return [f.name for f in obj._meta.fields] + ["specialties"]
        return ["status", "published_at"]

    @admin.action(description="发布所选方案（逐条检查评审日历规则）")
    def publish_selected(self, request, queryset):
        self.act_on_each(request, queryset, lambda plan: publish_plan(
            actor=request.user, plan_id=plan.pk, request=request), "发布（方案文本 PDF 生成中）", PlanError)


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
        if "plan" in self.fields:
            self.fields["plan"].queryset = managed_plans(request.user).filter(status=ReviewPlan.Status.PUBLISHED)

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
class PlanAmendmentAdmin(GatedAdmin):
    """Amendments are added (through ``amend_plan``) and read, never edited or deleted."""

    list_display = ["plan", "number", "reason", "actor", "created_at"]
    form = PlanAmendmentForm
    change_rule = "titles.amend_plan"

    def visible(self, user):
        return managed_amendments(user)

    def is_frozen(self, obj):
        return True

    def may_change(self, request, obj=None):
        """Amendments are only added (by the plan's bureau, checked again by ``amend_plan``)."""
        return obj is None and rules.has_perm("titles.edit_plan", request.user, None)

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:  # read-only: every field is shown by get_readonly_fields
            return super().get_form(request, obj, form=forms.ModelForm, **kwargs)
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

