from django.contrib import admin

from accounts.admin_base import GatedAdmin

from .models import Certificate
from .selectors import visible_certificates


@admin.register(Certificate)
class CertificateAdmin(GatedAdmin):
    """Read-only in the console: certificates are issued by the worker, imported by the command and
    revoked on their page (services with the event log)."""

    list_display = ["number", "holder_name", "title_name", "level", "committee_name", "status", "origin", "issued_at"]
    list_filter = ["status", "origin", "level", "year"]
    search_fields = ["number", "holder_name"]
    exclude = ["verification_code"]

    def visible(self, user):
        return visible_certificates(user)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name != "verification_code"]
