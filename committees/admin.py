from django import forms
from django.contrib import admin

from accounts.admin_base import GatedAdmin, GatedPlainAdmin
from titles.admin import LevelsField

from .models import (
    Assignment,
    Attendance,
    BallotBox,
    Committee,
    DefenceSession,
    DisciplineRecord,
    Draw,
    Expert,
    ExpertConflict,
    ExpertPool,
    IndicatorDimension,
    IndicatorMenu,
    Meeting,
    MeetingMember,
    PoolMembership,
    Recusal,
    Score,
    Tally,
)
from .selectors import (
    visible_assignments,
    visible_committees,
    visible_discipline_records,
    visible_draws,
    visible_experts,
    visible_meetings,
    visible_pools,
    visible_scores,
)


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


class ReadOnlyAdmin(GatedPlainAdmin):
    """Rows written by the committees' services only: the console lists and shows them."""

    change_rule = ""

    def has_add_permission(self, request, *args):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + [f.name for f in self.model._meta.many_to_many]


class PoolMembershipInline(admin.TabularInline):
    model = PoolMembership
    fields = readonly_fields = ["expert", "joined_on", "left_on"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ExpertPool)
class ExpertPoolAdmin(GatedPlainAdmin):
    list_display = ["name", "committee", "filing_number", "filed_on"]
    fields = ["committee", "name", "filing_number", "filed_on"]
    change_rule = "committees.file_pool"
    inlines = [PoolMembershipInline]

    def visible(self, user):
        return visible_pools(user)


@admin.register(Expert)
class ExpertAdmin(GatedPlainAdmin):
    list_display = ["pk", "name", "series", "level", "employer", "phone_masked", "term_start", "term_end", "status",
                    "suspended_until"]
    list_filter = ["series", "level", "status"]
    search_fields = ["user__real_name", "user__username", "employer__name"]
    fields = ["user", "series", "level", "specialties", "employer", "phone", "term_start", "term_end", "status",
              "suspended_until", "training_notes", "credit_notes"]
    readonly_fields = ["user", "series", "status", "suspended_until"]
    change_rule = "committees.manage_expert"

    def visible(self, user):
        return visible_experts(user)

    def has_add_permission(self, request, *args):
        return False  # experts join a pool on the pool's page (committees.services.save_expert)

    @admin.display(description="姓名", ordering="user__real_name")
    def name(self, obj):
        return obj.user.real_name or obj.user.username

    @admin.display(description="联系电话")
    def phone_masked(self, obj):
        return obj.phone_masked

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not request.user.has_perm("committees.view_expert_phone", obj):
            fields.remove("phone")  # the phone shows masked in the list; only the expert sees it whole
        return fields


@admin.register(ExpertConflict)
class ExpertConflictAdmin(ReadOnlyAdmin):
    list_display = ["expert", "applicant", "organisation", "reason", "recorded_by", "recorded_at"]

    def visible(self, user):
        return ExpertConflict.objects.filter(expert__in=visible_experts(user).values("pk")).select_related(
            "expert__user", "applicant", "organisation", "recorded_by")


@admin.register(DisciplineRecord)
class DisciplineRecordAdmin(ReadOnlyAdmin):
    list_display = ["expert", "recorded_at", "decision", "suspended_until", "decided_by", "decided_at"]
    list_filter = ["decision"]

    def visible(self, user):
        return visible_discipline_records(user)


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["name", "committee", "plan", "held_on", "online", "status"]
    list_filter = ["status", ("committee", admin.RelatedOnlyFieldListFilter)]

    def visible(self, user):
        return visible_meetings(user)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "group", "declaration", "assigned_by", "assigned_at"]

    def visible(self, user):
        return visible_assignments(user)


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ["pk", "meeting", "group", "algorithm", "algorithm_version", "drawn_by", "drawn_at"]

    def visible(self, user):
        return visible_draws(user)


@admin.register(MeetingMember)
class MeetingMemberAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "group", "expert", "position", "draw"]

    def visible(self, user):
        return MeetingMember.objects.filter(meeting__in=visible_meetings(user).values("pk")).select_related(
            "meeting", "group", "expert__user")


@admin.register(Recusal)
class RecusalAdmin(ReadOnlyAdmin):
    list_display = ["member", "declaration", "reason", "declared_at"]

    def visible(self, user):
        return Recusal.objects.filter(member__meeting__in=visible_meetings(user).values("pk")).select_related(
            "member__expert__user", "member__group", "member__meeting")


# --- scoring and voting: read-only in the console (writes go through the pages and the API's services) ---


class IndicatorDimensionInline(admin.TabularInline):
    model = IndicatorDimension
    fields = readonly_fields = ["dimension", "weight", "max_points", "works_over_counts", "guidance"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(IndicatorMenu)
class IndicatorMenuAdmin(GatedAdmin):
    """The menu is edited on its page (committees:indicators), where the weights are checked to sum to 100."""

    list_display = ["name", "series", "level", "updated_at"]
    inlines = [IndicatorDimensionInline]

    def visible(self, user):
        return IndicatorMenu.objects.select_related("series")

    def has_add_permission(self, request, *args):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    """Scores are read-only here: a submitted score never changes, a draft changes only in the workspace."""

    list_display = ["declaration", "kind", "member", "submitted_at"]

    def visible(self, user):
        return visible_scores(user)


@admin.register(Tally)
class TallyAdmin(ReadOnlyAdmin):
    """The counts of the secret ballot per declaration (there is no admin for ballots themselves)."""

    list_display = ["declaration", "meeting", "eligible", "approvals", "against", "abstentions", "passed"]

    def visible(self, user):
        return Tally.objects.filter(meeting__in=visible_meetings(user).values("pk")).select_related("meeting")


@admin.register(BallotBox)
class BallotBoxAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "present", "members", "quorum", "closed_at", "signed_off_at"]

    def visible(self, user):
        return BallotBox.objects.filter(meeting__in=visible_meetings(user).values("pk")).select_related("meeting")


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "member", "present"]

    def visible(self, user):
        return Attendance.objects.filter(meeting__in=visible_meetings(user).values("pk")).select_related(
            "meeting", "member__expert__user")


@admin.register(DefenceSession)
class DefenceSessionAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "declaration", "starts_at", "place", "attended"]

    def visible(self, user):
        return DefenceSession.objects.filter(meeting__in=visible_meetings(user).values("pk")).select_related("meeting")
