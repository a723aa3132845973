from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = "审核与公示"

    def ready(self):
        from accounts.services import ACTION_LABELS

        from . import permissions  # noqa: F401 - registers the app's django-rules

        ACTION_LABELS.update({"verify_material": "核验材料", "set_quota": "设定推荐名额",
                              "record_objection": "登记异议", "resolve_objection": "处理异议",
                              "publish_results": "发布评审结果公示", "file_result_objection": "提出评审结果异议",
                              "resolve_result_objection": "处理评审结果异议", "fraud_found": "查实弄虚作假",
                              "record_result_filing": "登记评审结果备案", "approve": "审批通过",
                              "overturn": "异议成立，评审未通过",
                              "view_objection_contacts": "查看异议人联系方式"})
