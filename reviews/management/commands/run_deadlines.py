"""Run every deadline sweep once for a day and print what each changed (for operators and demos)."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from config.clock import frozen, today


class Command(BaseCommand):
    help = "按指定日期运行全部到期处理和提醒（各一次），并列出每项的处理数量和示例编号"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按该日期运行（YYYY-MM-DD；默认今天，北京时间）")
        parser.add_argument("--only", action="append", default=[], help="只运行该项（代码，可重复）")

    def handle(self, *args, **options):
        from reviews.deadlines import SWEEPS, run_sweep

        day = today()
        if options["today"]:
            try:
                day = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(f"--today 应为日期 YYYY-MM-DD，实际为 {options['today']!r}") from None
        unknown = [code for code in options["only"] if code not in SWEEPS]
        if unknown:
            raise CommandError(f"没有该项到期处理：{'、'.join(unknown)}；可选：{'、'.join(SWEEPS)}")
        self.stdout.write(f"到期处理日期：{day:%Y-%m-%d}")
        total = 0.0
        with frozen(day):
            for sweep in SWEEPS.values():
                if options["only"] and sweep.code not in options["only"]:
                    continue
                started = time.perf_counter()
                result = run_sweep(sweep.code, day)  # its own transaction, committed (outbox sends included)
                seconds = time.perf_counter() - started
                total += seconds
                counts = "；".join(f"{label} {n}" for label, n in result.changed.items() if n) or "无变化"
                examples = f"（例：{'、'.join(map(str, result.examples))}）" if result.examples else ""
                self.stdout.write(f"- {sweep.label}［{sweep.code}］：{counts}{examples}（用时 {seconds:.2f} 秒）")
                for line in result.details:
                    self.stdout.write(f"  {line}")
        self.stdout.write(f"合计用时 {total:.2f} 秒")
