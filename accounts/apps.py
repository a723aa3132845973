from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "用户、单位与角色"

    def ready(self):
        from django.apps import apps

        from . import (
            permissions,  # noqa: F401 - registers the app's django-rules permissions
            request_cache,
            sign_ins,
        )

        sign_ins.connect()
        request_cache.connect()

        if apps.is_installed("axes"):  # its app label has no translation; the admin index shows this
            apps.get_app_config("axes").verbose_name = "登录安全（失败锁定）"
