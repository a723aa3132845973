"""Benchmark: the hash-chained event log (reports figures; not a test).

    .venv/bin/python bench/event_chain.py [--n 2000] [--writers 4]

Appends events with one writer and with several concurrent writers (each its own connection and
transaction per event, as transitions do), then times ``verify_events``. Uses the configured
database (DATABASE_URL; the chain lock only exists on PostgreSQL). Events cannot be deleted: run it
against a scratch database.
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.eventchain import first_break
    from accounts.models import Event, Organisation
    from accounts.selectors import event_chain_links
    from accounts.services import record_event

    call_command("migrate", verbosity=0)
    target, _ = Organisation.objects.get_or_create(name="基准测试单位", defaults={"kind": "employer",
                                                                                "region_code": "140400"})

    def append(count, label):
        for i in range(count):
            with transaction.atomic():
                record_event(actor=None, action=label, obj=target, comment=str(i))

    started = time.perf_counter()
    append(args.n, "bench_single")
    single = args.n / (time.perf_counter() - started)

    per_writer = args.n // args.writers

    def writer():
        try:
            append(per_writer, "bench_concurrent")
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(args.writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    concurrent = per_writer * args.writers / (time.perf_counter() - started)

    total = Event.objects.count()
    started = time.perf_counter()
    broken = first_break(event_chain_links())
    verify = total / (time.perf_counter() - started)
    print(f"数据库：{connection.vendor}")
    print(f"追加事件（单个写入者）：{single:,.0f} 条/秒")
    print(f"追加事件（{args.writers} 个并发写入者）：{concurrent:,.0f} 条/秒")
    print(f"校验哈希链：{verify:,.0f} 条/秒（共 {total} 条，{'完整' if broken is None else f'第 {broken.pk} 条断裂'}）")


if __name__ == "__main__":
    main()
