"""The admin's history pages (django-simple-history) with ids checked: ``…/1/history/abc/`` or
``…/abc/history/`` answer 404 instead of a 500 from the database."""

from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    def _check_id(self, model, value) -> None:
        try:
            model._meta.pk.to_python(value)
        except Exception as exc:  # ValidationError or ValueError, depending on the field
            raise Http404("该记录不存在") from exc

    def history_view(self, request, object_id, extra_context=None):
        self._check_id(self.model, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_id(self.model, object_id)
        self._check_id(self.model.history.model, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)
