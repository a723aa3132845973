import csv
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.errors import DomainError
from certificates.services import IMPORT_COLUMNS, import_historical


class Command(BaseCommand):
    help = ("导入纸质证书时代的历史职称证书（CSV，UTF-8，第一行为列名："
            + ", ".join(IMPORT_COLUMNS) + "）；逐行校验，全部无误才导入，否则一条也不导入")

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV 文件")
        parser.add_argument("--actor", help="操作人账号（记入事件日志；须为人社部门审核人或系统管理员）")

    def handle(self, *args, file, actor=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"操作人账号不存在：{actor}")
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except UnicodeDecodeError as exc:
            raise CommandError("文件应为 UTF-8 编码的 CSV") from exc
        try:
            certificates = import_historical(actor=user, rows=rows)
        except DomainError as error:
            for field, messages in error.errors.items():
                for message in messages:
                    self.stderr.write(f"{field}：{message}")
            raise CommandError(error.message) from error
        self.stdout.write(self.style.SUCCESS(f"已导入 {len(certificates)} 张历史证书"))
        for certificate in certificates:
            self.stdout.write(f"{certificate.number},{certificate.verification_code}")
