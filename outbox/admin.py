from django.contrib import admin

from accounts.admin_base import GatedPlainAdmin
from accounts.permissions import is_system_admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(GatedPlainAdmin):
    """Work handed to the worker, for the system admin to watch (read-only)."""

    list_display = ["pk", "kind", "created_at", "sent_at", "done_at", "attempts"]
    list_filter = ["kind", ("done_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["kind", "payload", "created_at", "sent_at", "done_at", "attempts", "last_error"]

    def visible(self, user):
        return OutboxMessage.objects.all() if is_system_admin(user) else OutboxMessage.objects.none()

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
