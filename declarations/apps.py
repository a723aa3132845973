from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "declarations"
    verbose_name = "申报"

    def ready(self):
        from accounts.demo import DEMO_LOADERS
        from accounts.services import ACTION_LABELS

        from . import demo, permissions  # noqa: F401 - permissions registers the app's django-rules
        from .flow import Action

        ACTION_LABELS.update(Action.choices)  # the audit pages name the transitions in Chinese
        ACTION_LABELS.update({"create_declaration": "新建申报", "add_material": "添加材料",
                              "remove_material": "删除材料"})

        if demo.load not in DEMO_LOADERS:
            DEMO_LOADERS.append(demo.load)
