from django.apps import AppConfig


class TitlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "titles"
    verbose_name = "职称目录、评审方案与申报条件"

    def ready(self):
        from . import permissions  # noqa: F401 - registers the app's django-rules permissions
