from django.apps import AppConfig


class CommitteesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "committees"
    verbose_name = "评审委员会"

    def ready(self):
        from . import permissions  # noqa: F401 - registers the app's django-rules permissions
