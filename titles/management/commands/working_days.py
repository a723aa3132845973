"""``manage.py working_days VERB ...``: the contract in ../shared/spec/WORKING_DAYS.md."""

from datetime import date

from django.core.management.base import BaseCommand

from titles.management.contract import BadInput, read_json, refuse
from titles.selectors import stored_calendar
from titles.services import store_schedule
from titles.workdays import ScheduleInvalid, YearNotCovered

USAGE = "用法：working_days add DATE N | count START END | is DATE | publicity START N | load FILE"


def _date(value: str, what: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{what}不是有效日期（应为 YYYY-MM-DD）：{value}") from None


def _count(value: str, minimum: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise BadInput(f"天数应为整数：{value}") from None
    if number < minimum:
        raise BadInput(f"天数不能小于 {minimum}：{value}")
    return number


class Command(BaseCommand):
    help = "工作日计算：add DATE N / count START END / is DATE / publicity START N / load FILE"

    def add_arguments(self, parser):
        parser.add_argument("words", nargs="*")

    def handle(self, *args, words, **options):
        try:
            line = self.run_verb(words)
        except (BadInput, YearNotCovered, ScheduleInvalid) as exc:
            refuse(exc)
        self.stdout.write(line)

    def run_verb(self, words: list[str]) -> str:
        arity = {"add": 2, "count": 2, "is": 1, "publicity": 2, "load": 1}
        if not words or words[0] not in arity or len(words) != arity[words[0]] + 1:
            raise BadInput(USAGE)
        verb, rest = words[0], words[1:]
        if verb == "load":
            return self.load(rest[0])
        calendar = stored_calendar()
        if verb == "add":
            return calendar.add(_date(rest[0], "日期"), _count(rest[1], 0)).isoformat()
        if verb == "count":
            return str(calendar.count(_date(rest[0], "开始日期"), _date(rest[1], "结束日期")))
        if verb == "is":
            return "workday" if calendar.is_workday(_date(rest[0], "日期")) else "holiday"
        return calendar.publicity_end(_date(rest[0], "开始日期"), _count(rest[1], 1)).isoformat()

    def load(self, path: str) -> str:
        data = read_json(path)
        if not isinstance(data, dict) or "year" not in data:
            raise BadInput(f"文件 {path} 应为对象，含 year、holidays、workdays")
        entry = store_schedule(actor=None, year=data["year"], holidays=data.get("holidays", []),
                               workdays=data.get("workdays", []), source=str(data.get("source", "")),
                               reason=f"working_days load {path}")
        return f"loaded {entry.year}"
