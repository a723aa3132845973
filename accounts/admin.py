from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from config.history_admin import HistoryAdmin

from .models import Event, Organisation, RoleMembership, User


class RoleMembershipInline(admin.TabularInline):
    model = RoleMembership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(HistoryAdmin, BaseUserAdmin):
    list_display = ["username", "real_name", "id_number_masked", "phone_masked", "is_active"]
    search_fields = ["username", "real_name"]
    fieldsets = BaseUserAdmin.fieldsets + (("实名信息", {"fields": ["real_name", "phone", "id_number"]}),)
    inlines = [RoleMembershipInline]

    @admin.display(description="身份证号码")
    def id_number_masked(self, obj):
        return obj.id_number_masked

    @admin.display(description="手机号码")
    def phone_masked(self, obj):
        return obj.phone_masked


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin):
    list_display = ["name", "kind", "parent", "region_code", "sector", "is_active"]
    list_filter = ["kind", "sector", "is_active"]
    search_fields = ["name", "credit_code", "region_code"]
    autocomplete_fields = ["parent"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_repr", "from_state", "to_state", "ip_address"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "comment"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
