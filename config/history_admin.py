"""The admin base for our models (django-simple-history) with ids checked before they reach the
database: ``…/1/history/abc/`` or ``…/abc/history/`` answer 404, and an action on selected rows
whose ids are not ids (``_selected_action=abc``) answers 400, instead of a 500. JSON fields refuse
deep nesting and NUL characters (``json_limits``)."""

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.http import Http404

from .api import MAX_ID
from .error_views import refusal
from .json_limits import BoundedJSONFormField


def _is_id(model, value) -> bool:
    try:
        pk = model._meta.pk.to_python(value)
    except Exception:  # ValidationError or ValueError, depending on the field
        return False
    return "\x00" not in str(value) and (not isinstance(pk, int) or abs(pk) <= MAX_ID)


class IdCheckedAdminMixin:
    """Ids checked before they reach the database, and bounded JSON fields (see the module's docstring).
    Put it first among a ModelAdmin's bases, so the checks run before anything reads the ids."""

    formfield_overrides = {models.JSONField: {"form_class": BoundedJSONFormField}}

    def _check_id(self, model, value) -> None:
        if not _is_id(model, value):
            raise Http404("该记录不存在")

    def history_view(self, request, object_id, extra_context=None):
        self._check_id(self.model, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_id(self.model, object_id)
        self._check_id(self.model.history.model, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST":
            selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
            if not all(_is_id(self.model, value) for value in selected):
                return refusal(request, 400, ACTION_CHECKBOX_NAME, "所选记录的编号无效，请返回列表重新选择",
                               "bad_selection", "400.html")
        return super().changelist_view(request, extra_context=extra_context)

