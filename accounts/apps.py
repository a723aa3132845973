from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "用户、单位与角色"

    def ready(self):
        from . import permissions  # noqa: F401 - registers the app's django-rules permissions
