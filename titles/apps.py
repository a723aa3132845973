from django.apps import AppConfig


class TitlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "titles"
    verbose_name = "职称目录、评审方案与申报条件"

    def ready(self):
        from accounts.demo import DEMO_LOADERS
        from accounts.services import ACTION_LABELS

        from . import catalogue, demo, permissions  # noqa: F401 - permissions registers the app's django-rules

        catalogue.connect()

        ACTION_LABELS.update({
            "publish_plan": "发布评审方案", "amend_plan": "修订评审方案", "store_holiday_schedule": "录入节假日安排",
            "copy_rulebook": "复制规则库版本", "activate_rulebook": "规则库版本生效", "retire_rulebook": "规则库版本停用",
        })
        if demo.load not in DEMO_LOADERS:
            DEMO_LOADERS.append(demo.load)
