from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import format_html
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.template_utils import HistoricalRecordContextHelper

from .admin_base import GatedAdmin, GatedPlainAdmin
from .models import CreditRecord, Event, Organisation, PersonalDataAccess, RoleMembership, SignInRecord, User
from .permissions import is_system_admin
from .selectors import visible_organisations, visible_users
from .validators import mask_id_number, mask_phone

PERSONAL_MASKS = {"id_number": mask_id_number, "phone": mask_phone}


class RoleMembershipInline(admin.TabularInline):
    """Roles are granted and revoked through the account pages (services with events), not here."""

    model = RoleMembership
    extra = 0
    fields = readonly_fields = ["organisation", "role", "granted_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MaskedHistoryHelper(HistoricalRecordContextHelper):
    """History diffs show ID numbers and phones masked, as lists do."""

    def prepare_delta_change_value(self, change, value):
        mask = PERSONAL_MASKS.get(change.field)
        return mask(value or "") if mask else super().prepare_delta_change_value(change, value)


@admin.register(User)
class UserAdmin(GatedAdmin, BaseUserAdmin):
    """Full ID numbers and phones are never shown here; a role allowed to see one asks for it on the
    person's page (查看完整号码), which records the access first."""

    list_display = ["username", "real_name", "id_number_masked", "phone_masked", "is_active"]
    search_fields = ["username", "real_name"]
    fieldsets = (
        (None, {"fields": ["username", "password"]}),
        ("实名信息", {"fields": ["real_name", "id_number_masked", "phone_masked", "full_numbers", "email"]}),
        ("权限", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("重要日期", {"fields": ["last_login", "date_joined"]}),
    )
    readonly_fields = ["id_number_masked", "phone_masked", "full_numbers", "last_login", "date_joined"]
    inlines = [RoleMembershipInline]
    change_rule = "accounts.manage_accounts"

    def visible(self, user):
        return visible_users(user)

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedHistoryHelper(self.model, historical_record)

    @admin.display(description="身份证号码")
    def id_number_masked(self, obj):
        return obj.id_number_masked

    @admin.display(description="手机号码")
    def phone_masked(self, obj):
        return obj.phone_masked

    @admin.display(description="完整号码")
    def full_numbers(self, obj):
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}">查看完整号码</a>（须填写理由，查看将被记录）', reverse("accounts:person", args=[obj.pk]))


@admin.register(Organisation)
class OrganisationAdmin(GatedAdmin):
    list_display = ["name", "kind", "parent", "region_code", "sector", "is_active"]
    list_filter = ["kind", "sector", "is_active"]
    search_fields = ["name", "credit_code", "region_code"]
    autocomplete_fields = ["parent"]
    change_rule = "accounts.manage_accounts"

    def visible(self, user):
        return visible_organisations(user)


class SystemAdminOnly:
    """Seen and changed by the system admin only."""

    change_rule = "accounts.manage_accounts"

    def visible(self, user):
        manager = self.model._default_manager
        return manager.all() if is_system_admin(user) else manager.none()


class ReadOnlyLog(SystemAdminOnly):
    """An append-only log, read by the system admin here and by the auditor on the audit pages."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyLog, GatedPlainAdmin):
    list_display = ["created_at", "actor", "action", "object_repr", "from_state", "to_state", "ip_address"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "comment"]

    def visible(self, user):
        return super().visible(user).select_related("actor")


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyLog, GatedPlainAdmin):
    list_display = ["created_at", "viewer", "person", "fields", "reason", "ip_address"]

    def visible(self, user):
        return super().visible(user).select_related("viewer", "person")


@admin.register(SignInRecord)
class SignInRecordAdmin(ReadOnlyLog, GatedPlainAdmin):
    list_display = ["created_at", "username", "user", "succeeded", "ip_address", "user_agent"]
    list_filter = ["succeeded"]
    search_fields = ["username"]

    def visible(self, user):
        return super().visible(user).select_related("user")


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SystemAdminOnly, GatedPlainAdmin, BaseGroupAdmin):
    pass


for model, base in ((AccessAttempt, AccessAttemptAdmin), (AccessLog, AccessLogAdmin),
                    (AccessFailureLog, AccessFailureLogAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(f"Gated{base.__name__}", (SystemAdminOnly, GatedPlainAdmin, base),
                                    {"delete_allowed": model is AccessAttempt}))


# django-otp's own device admins would show every user's TOTP secrets and recovery codes: devices are
# enrolled by their owner at sign-in and reset through 账号管理 (accounts.services.reset_two_factor).
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(CreditRecord)
class CreditRecordAdmin(ReadOnlyLog, GatedAdmin):
    """The credit archive (诚信档案), read-only: records are written by ``record_credit`` (certificate
    revocation, the committees for experts) and expire on their own."""

    list_display = ["subject", "kind", "reason", "starts_on", "expires_on", "source", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["reason", "source"]

    def visible(self, user):
        return super().visible(user).select_related("subject", "recorded_by")
