from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "declarations"
    verbose_name = "申报"

    def ready(self):
        from accounts.demo import DEMO_LOADERS

        from . import demo, permissions  # noqa: F401 - permissions registers the app's django-rules

        if demo.load not in DEMO_LOADERS:
            DEMO_LOADERS.append(demo.load)
