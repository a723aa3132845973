"""Time one deadline sweep over N declarations (default 100,000), built set-based.

    DATABASE_URL=postgres://… .venv/bin/python bench/sweeps.py [--n 100000] [--sweep abandon_corrections]

Uses the configured DATABASE_URL (PostgreSQL; migrated). Everything happens in one transaction that
is rolled back at the end, so the run leaves nothing behind and can be repeated (no e-mail is sent:
the outbox's after-commit sends never fire). Prints the build time, the sweep's wall time, its number
of queries and what it changed.
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--sweep", choices=sorted(SWEEPS), default="abandon_corrections")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from accounts.models import OrganisationKind, Role
    from declarations.models import Declaration
    from reviews.deadlines import run_sweep
    from tests.factories import OrganisationFactory, returned_declarations, review_plan, user_with_role

    state, day = SWEEPS[args.sweep]
    with transaction.atomic():
        started = time.perf_counter()
        bureau = OrganisationFactory(name="基准人社局", kind=OrganisationKind.HR_BUREAU)
        employer = OrganisationFactory(name="基准单位", parent=bureau)
        plan = review_plan(bureau)
        handler = user_with_role(Role.EMPLOYER_HANDLER, employer)
        stamp = int(time.time())
        built = returned_declarations(plan, employer, args.n, deadline=date(2026, 9, 22), returned_by=handler,
                                      prefix=f"bench{stamp}-")
        if state != "returned":
            Declaration.objects.filter(plan=plan).update(state=state)
        built_in = time.perf_counter() - started
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            result = run_sweep(args.sweep, day)
        took = time.perf_counter() - started
        print(f"{args.sweep}: {len(built)} declarations built in {built_in:.1f} s; "
              f"sweep {took:.1f} s, {len(queries)} queries; {result.changed}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
