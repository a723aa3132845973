"""``manage.py check_eligibility CASE.json``: the contract in ../shared/spec/ELIGIBILITY.md."""

import json

from django.core.management.base import BaseCommand

from titles.eligibility import InvalidCase
from titles.management.contract import BadInput, read_json, refuse
from titles.selectors import eligibility_verdict


class Command(BaseCommand):
    help = "按申报条件规则检查一个案例（JSON 文件，- 表示标准输入），输出逐条结论"

    def add_arguments(self, parser):
        parser.add_argument("case", nargs="?", help="案例 JSON 文件路径，- 表示标准输入")

    def handle(self, *args, case=None, **options):
        try:
            if not case:
                raise BadInput("缺少参数：案例 JSON 文件路径")
            verdict = eligibility_verdict(read_json(case))
        except (InvalidCase, BadInput) as exc:
            refuse(exc)
        self.stdout.write(json.dumps(verdict, ensure_ascii=False))
