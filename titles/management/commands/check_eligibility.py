"""``manage.py check_eligibility CASE.json``: the contract in ../shared/spec/ELIGIBILITY.md."""

import json
import sys

from django.core.management.base import BaseCommand

from titles.eligibility import InvalidCase
from titles.selectors import eligibility_verdict


class Command(BaseCommand):
    help = "按申报条件规则检查一个案例（JSON 文件，- 表示标准输入），输出逐条结论"

    def add_arguments(self, parser):
        parser.add_argument("case", nargs="?", help="案例 JSON 文件路径，- 表示标准输入")

    def handle(self, *args, case=None, **options):
        try:
            verdict = eligibility_verdict(self.read(case))
        except (InvalidCase, BadFile) as exc:
            sys.stderr.write(f"错误：{exc}\n")
            sys.exit(2)
        self.stdout.write(json.dumps(verdict, ensure_ascii=False))

    def read(self, path):
        if not path:
            raise BadFile("缺少参数：案例 JSON 文件路径")
        try:
            if path == "-":
                return json.load(sys.stdin)
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        except OSError as exc:
            raise BadFile(f"无法读取文件 {path}：{exc.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadFile(f"文件 {path} 不是有效的 JSON：{exc}".replace("\n", " ")) from None


class BadFile(Exception):
    pass
