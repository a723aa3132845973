"""The admin console through the same gates as pages and the API.

Every ModelAdmin of the project derives from ``GatedAdmin``: its list comes from the permission
layer's ``visible_*`` selectors (``visible``), what a user may change is a django-rules permission
tested on the object (``change_rule``), an object outside the list answers 404 on every page
(change form, history, history entry, delete) and in actions, history is read-only (no revert),
and every write goes through a service that locks the row and writes the event log.
"""

import rules
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from config.history_admin import IdCheckedAdminMixin

from .models import Organisation
from .selectors import visible_organisations

PERMISSION_ACTIONS = {"add": "添加", "change": "修改", "delete": "删除", "view": "查看"}


def permission_label(permission) -> str:
    """"Can change 用户" → "可以修改 用户" (Django stores built-in permission names in English)."""
    action = permission.codename.split("_", 1)[0]
    model = permission.content_type.model_class()
    if action in PERMISSION_ACTIONS and model is not None:
        return f"{model._meta.app_config.verbose_name} | 可以{PERMISSION_ACTIONS[action]} {model._meta.verbose_name}"
    return f"{permission.content_type.app_label} | {permission.name}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return permission_label(obj)


class GatedAdminMixin:
    """List, object permissions and writes from the permission layer (see the module's docstring)."""

    #: django-rules permission tested with (user, object) before any change; (user, None) for adding
    change_rule: str = ""
    delete_allowed = False  # domain data is kept (with its history); nothing is deleted in the console

    # --- the list ------------------------------------------------------------------------------

    def visible(self, user):
        """The objects this user may see (a ``visible_*`` selector); nothing unless a subclass says."""
        return self.model._default_manager.none()

    def get_queryset(self, request):
        queryset = self.visible(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("该对象不存在，或您无权查看")
        return obj

    def is_visible(self, request, obj) -> bool:
        return obj.pk is not None and self.get_queryset(request).filter(pk=obj.pk).exists()

    # --- permissions: the model permission (groups) and the object permission (rules) ------------

    def is_frozen(self, obj) -> bool:
        """An object nobody edits in place (a published plan, an active rulebook version)."""
        return False

    def may_change(self, request, obj=None) -> bool:
        if obj is not None and self.is_frozen(obj):
            return False
        return bool(self.change_rule) and rules.has_perm(self.change_rule, request.user, obj)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj) or super().has_change_permission(request, obj)
        return allowed and (obj is None or self.is_visible(request, obj))

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj) or not self.may_change(request, obj):
            return False
        return obj is None or self.is_visible(request, obj)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and self.may_change(request, None)

    def has_delete_permission(self, request, obj=None):
        return self.delete_allowed and self.has_change_permission(request, obj)

    # --- choices: only what the user may use ---------------------------------------------------

    def foreign_key_choices(self, request, db_field):
        """The queryset a foreign key may choose from; None leaves the field as it is."""
        if db_field.related_model is Organisation:
            return visible_organisations(request.user)
        if db_field.related_model._meta.label == "committees.Committee":
            from committees.selectors import visible_committees

            return visible_committees(request.user)
        return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = self.foreign_key_choices(request, db_field)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model._meta.label == "auth.Permission":
            kwargs["form_class"] = PermissionChoiceField
            kwargs["queryset"] = db_field.related_model.objects.select_related("content_type")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # --- writes: through a service with a row lock and an event ---------------------------------

    def save_model(self, request, obj, form, change):
        from .services import save_with_event

        save_with_event(actor=request.user, obj=obj, permission=self.change_rule,
                        fields=list(form.changed_data), request=request)

    def save_related(self, request, form, formsets, change):
        """Inline rows (a plan's phases) are saved with their parent; a change to them is one more event."""
        super().save_related(request, form, formsets, change)
        changed = [str(f.model._meta.verbose_name_plural) for f in formsets
                   if f.has_changed() and (f.new_objects or f.changed_objects or f.deleted_objects)]
        if changed:
            from .services import record_event

            record_event(actor=request.user, action="admin_change", obj=form.instance,
                         comment="修改：" + "、".join(changed), request=request)

    def delete_model(self, request, obj):
        if not self.delete_allowed:
            raise PermissionDenied("管理后台不删除业务数据")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        if not self.delete_allowed:
            raise PermissionDenied("管理后台不删除业务数据")
        super().delete_queryset(request, queryset)

    # --- actions: only on objects in the user's list -------------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.delete_allowed:
            actions.pop("delete_selected", None)
        return actions

    def act_on_each(self, request, queryset, service, done: str, refusal=Exception) -> None:
        """Run an action's service on each selected object; report each success or refusal in Chinese."""
        for obj in queryset:
            try:
                service(obj)
            except (refusal, PermissionDenied) as exc:
                self.message_user(request, f"“{obj}”未{done}：{exc}", messages.ERROR)
            else:
                self.message_user(request, f"“{obj}”已{done}", messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        selected = set(request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)) if request.method == "POST" else ()
        if selected and self.get_queryset(request).filter(pk__in=selected).count() != len(selected):
            raise Http404("所选对象不存在，或您无权操作")
        return super().changelist_view(request, extra_context)

    # --- history: read-only, and only for objects in the user's list ----------------------------

    def revert_disabled(self, request, obj=None):
        return True

    def _visible_or_404(self, request, object_id):
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404("该对象不存在，或您无权查看")

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        if request.method != "GET":
            raise PermissionDenied("历史记录只能查看，不能恢复")
        return super().history_form_view(request, object_id, version_id, extra_context)


class GatedAdmin(IdCheckedAdminMixin, GatedAdminMixin, SimpleHistoryAdmin):
    """Base of every ModelAdmin of a model with history (django-simple-history, read-only)."""


class GatedPlainAdmin(IdCheckedAdminMixin, GatedAdminMixin, admin.ModelAdmin):
    """Base of the ModelAdmins of models without history (the event log, groups, sign-in records)."""


class GatedInline:
    """An inline follows its parent: changed only when the parent may be changed by this user."""

    parent_rule: str = ""

    def _parent_allows(self, request, obj) -> bool:
        return bool(self.parent_rule) and rules.has_perm(self.parent_rule, request.user, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._parent_allows(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_allows(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_allows(request, obj)
