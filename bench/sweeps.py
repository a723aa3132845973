"""Time one deadline sweep over N declarations (default 100,000), built set-based.

    DATABASE_URL=postgres://… .venv/bin/python bench/sweeps.py [--n 100000] [--sweep abandon_corrections]

Uses the configured DATABASE_URL (PostgreSQL; migrated). Everything happens in one transaction that
is rolled back at the end, so the run leaves nothing behind and can be repeated (no e-mail is sent:
the outbox's after-commit sends never fire). The data set (N applicants, each with a returned
declaration and its correction notice, as ``tests.factories.returned_declarations`` makes them) is
written by three ``INSERT … SELECT generate_series`` statements. Prints the build time, the sweep's
wall time, its number of queries and what it changed; then what the commit would add (the deferred
foreign-key checks of the rows written, run by ``SET CONSTRAINTS ALL IMMEDIATE``) and, with
``--verify``, whether the event log's hash chain is whole (``verify_events``).
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# the state each sweep acts on, and the day it runs (the bench plan is the 2026 test plan)
SWEEPS = {
    "abandon_corrections": ("returned", date(2026, 9, 23)),
    "terminate_unfinished": ("bureau_review", date(2027, 7, 31)),
    "push_deadlines": ("employer_review", date(2026, 10, 21)),
    "expire_drafts": ("draft", date(2026, 10, 1)),
}

# What tests.factories.returned_declarations writes for one applicant, for N of them at once.
APPLICANTS_SQL = """
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                           date_joined, real_name, phone, id_number, must_change_password)
SELECT '!', false, %(prefix)s || g, '', '', %(prefix)s || g || '@example.com', false, true, now(), '申报人' || g,
       '', '', false
FROM generate_series(0, %(n)s - 1) AS g
"""
DECLARATIONS_SQL = """
INSERT INTO declarations_declaration (applicant_id, employer_id, plan_id, year, series_id, specialty_id, level, route,
                                      green_channel_reference, state, version, created_at, updated_at)
SELECT u.id, %(employer)s, %(plan)s, %(year)s, %(series)s, NULL, 'intermediate', 'regular', '', 'returned', 1,
       now(), now()
FROM accounts_user u WHERE u.username LIKE %(pattern)s ORDER BY u.id
"""
NOTICES_SQL = """
INSERT INTO reviews_correctionnotice (declaration_id, returned_from, number, items, deadline, comment,
                                      version_number, returned_at, returned_by_id)
SELECT d.id, 'employer_review', 1, %(items)s::jsonb, %(deadline)s, '', 1, now(), %(returned_by)s
FROM declarations_declaration d WHERE d.plan_id = %(plan)s ORDER BY d.id
"""


def build(cursor, *, plan, employer, n: int, deadline: date, returned_by, prefix: str) -> int:
    """``n`` applicants with a declaration of ``plan`` waiting for a correction due ``deadline``."""
    import json

    cursor.execute(APPLICANTS_SQL, {"prefix": prefix, "n": n})
    cursor.execute(DECLARATIONS_SQL, {"employer": employer.pk, "plan": plan.pk, "year": plan.year,
                                      "series": plan.series_id, "pattern": f"{prefix}%"})
    built = cursor.rowcount
    items = json.dumps([{"about": "material:id_card", "problem": "身份证复印件不清晰"}], ensure_ascii=False)
    cursor.execute(NOTICES_SQL, {"items": items, "deadline": deadline, "returned_by": returned_by.pk,
                                 "plan": plan.pk})
    cursor.execute("ANALYZE accounts_user, declarations_declaration, reviews_correctionnotice")
    return built


class BackendClock:
    """An execute wrapper: each statement's wall time and the CPU time the PostgreSQL backend spent on it
    (from /proc, when the database runs on this machine), so that figures taken on a loaded machine can
    be told apart from the work itself."""

    def __init__(self, pid: int):
        self.pid = pid
        self.wall, self.cpu, self.sql = [], [], []

    def _cpu(self) -> float:
        from bench.harness import cpu_seconds

        return cpu_seconds(self.pid)

    def __call__(self, execute, sql, params, many, context):
        cpu, started = self._cpu(), time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.wall.append(time.perf_counter() - started)
            self.cpu.append(self._cpu() - cpu)
            self.sql.append(sql)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--sweep", choices=sorted(SWEEPS), default="abandon_corrections")
    parser.add_argument("--top", type=int, default=8, help="the slowest statements of the sweep shown")
    parser.add_argument("--instances", action="store_true",
                        help="sweep through model instances (the code before the sweeps moved into PostgreSQL, "
                             "still the path on SQLite), for comparison")
    parser.add_argument("--verify", action="store_true", help="walk the event log's hash chain afterwards")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from accounts.eventchain import first_break
    from accounts.models import OrganisationKind, Role
    from accounts.selectors import event_chain_links
    from declarations.models import Declaration
    from reviews.deadlines import run_sweep
    from tests.factories import OrganisationFactory, review_plan, user_with_role

    state, day = SWEEPS[args.sweep]
    if args.instances:
        from declarations import bulk

        bulk._take_in_postgresql = bulk._take_in_python
    with transaction.atomic():
        started = time.perf_counter()
        bureau = OrganisationFactory(name="基准人社局", kind=OrganisationKind.HR_BUREAU)
        employer = OrganisationFactory(name="基准单位", parent=bureau)
        plan = review_plan(bureau)
        handler = user_with_role(Role.EMPLOYER_HANDLER, employer)
        stamp = int(time.time())
        with connection.cursor() as cursor:
            built = build(cursor, plan=plan, employer=employer, n=args.n, deadline=date(2026, 9, 22),
                          returned_by=handler, prefix=f"bench{stamp}-")
        if state != "returned":
            Declaration.objects.filter(plan=plan).update(state=state)
        built_in = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = BackendClock(cursor.fetchone()[0])
        started, python_started = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(backend):
            result = run_sweep(args.sweep, day)
        took, python_cpu = time.perf_counter() - started, time.process_time() - python_started
        print(f"{args.sweep}: {built} declarations built in {built_in:.1f} s; "
              f"sweep {took:.1f} s, {len(queries)} queries; {result.changed}", flush=True)
        print(f"  CPU: PostgreSQL backend {sum(backend.cpu):.1f} s, Python {python_cpu:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
        slowest = sorted(zip(backend.wall, backend.cpu, backend.sql, strict=True), key=lambda q: -q[0])
        for wall, cpu, sql in slowest[:args.top]:
            print(f"  {wall:6.2f} s ({cpu:5.2f} s CPU)  {' '.join(sql.split())[:100]}")
        checks = BackendClock(backend.pid)
        with connection.cursor() as cursor, connection.execute_wrapper(checks):
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what the commit would check
        print(f"deferred foreign-key checks (at commit): {checks.wall[0]:.1f} s ({checks.cpu[0]:.1f} s CPU)",
              flush=True)
        if args.verify:
            started = time.perf_counter()
            broken = first_break(event_chain_links())
            print(f"event chain: {'whole' if broken is None else f'broken at {broken.pk}'} "
                  f"(verified in {time.perf_counter() - started:.1f} s)", flush=True)
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
