from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = "审核与公示"

    def ready(self):
        from accounts.services import ACTION_LABELS

        ACTION_LABELS.update({"verify_material": "核验材料", "set_quota": "设定推荐名额",
                              "record_objection": "登记异议", "resolve_objection": "处理异议"})
