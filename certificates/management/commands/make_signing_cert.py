from django.conf import settings
from django.core.management.base import BaseCommand

from certificates.signing_keys import make_signing_pair


class Command(BaseCommand):
    help = "生成演示用的自签名电子证书签名私钥和证书（写入 CERT_SIGNING_KEY、CERT_SIGNING_CERT，口令 CERT_SIGNING_PASSPHRASE）"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="已存在时也重新生成")

    def handle(self, *args, force=False, **options):
        key, cert = settings.CERT_SIGNING_KEY, settings.CERT_SIGNING_CERT
        if not force and key.is_file() and cert.is_file():
            self.stdout.write(f"签名证书已存在：{cert}（--force 重新生成）")
            return
        make_signing_pair(key_path=key, cert_path=cert, passphrase=settings.CERT_SIGNING_PASSPHRASE)
        self.stdout.write(self.style.SUCCESS(f"已生成演示签名私钥 {key} 和证书 {cert}"))
