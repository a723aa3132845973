from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certificates"
    verbose_name = "电子证书"

    def ready(self):
        from accounts.demo import DEMO_LOADERS
        from accounts.services import ACTION_LABELS

        from . import demo, permissions  # noqa: F401 - permissions registers the app's django-rules

        ACTION_LABELS.update({"issue_certificate": "核发电子证书", "revoke_certificate": "撤销证书",
                              "import_certificate": "导入历史证书", "request_certificates": "申请核发电子证书"})
        if demo.load not in DEMO_LOADERS:
            DEMO_LOADERS.append(demo.load)
