"""Benchmark: how fast the eligibility engine and its API answer (reports figures; not a test).

    .venv/bin/python bench/eligibility.py [--n 2000]

Uses the configured database (DATABASE_URL, default the embedded SQLite; it is migrated first).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from titles.eligibility import DEFAULT_RULEBOOK, evaluate, parse_case
    from titles.selectors import effective_rulebook
    from titles.workdays import WorkingDayCalendar

    call_command("migrate", verbosity=0)
    cases_dir = ROOT.parent / "shared" / "cases" / "eligibility"
    cases = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(cases_dir.glob("p0[1-5]*.json"))
             if not p.name.endswith(".expected.json")]

    started = time.perf_counter()
    for i in range(args.n):
        evaluate(parse_case(cases[i % len(cases)]), DEFAULT_RULEBOOK)
    engine = args.n / (time.perf_counter() - started)

    started = time.perf_counter()
    for _ in range(200):
        effective_rulebook(year=2026)
    rulebook_ms = (time.perf_counter() - started) / 200 * 1000

    user, _ = User.objects.get_or_create(username="bench-user")
    client = Client()
    client.force_login(user)
    timings = []
    for i in range(min(args.n, 500)):
        body = json.dumps(cases[i % len(cases)])
        t = time.perf_counter()
        response = client.post("/api/v1/eligibility/check", data=body, content_type="application/json")
        timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    timings.sort()

    calendar = WorkingDayCalendar()
    from datetime import date

    started = time.perf_counter()
    for _ in range(1000):
        calendar.add(date(2026, 1, 5), 200)
    workdays_ms = (time.perf_counter() - started)

    print(f"engine: {engine:,.0f} cases/s (parse + evaluate, one core)")
    print(f"effective_rulebook: {rulebook_ms:.2f} ms per lookup")
    print(f"POST /api/v1/eligibility/check: median {statistics.median(timings):.2f} ms, "
          f"p95 {timings[int(len(timings) * 0.95)]:.2f} ms over {len(timings)} requests (in-process client)")
    print(f"add_working_days(+200): {workdays_ms:.3f} ms per call")


if __name__ == "__main__":
    main()
