from django.apps import AppConfig


class CommitteesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "committees"
    verbose_name = "评审委员会"

    def ready(self):
        from accounts.demo import DEMO_LOADERS
        from accounts.services import ACTION_LABELS

        from . import demo, demo_work, permissions  # noqa: F401 - permissions registers the app's django-rules
        from .services import ACTION_LABELS as COMMITTEE_ACTIONS

        ACTION_LABELS.update(COMMITTEE_ACTIONS)
        for loader in (demo.load, demo_work.load):
            if loader not in DEMO_LOADERS:
                DEMO_LOADERS.append(loader)
