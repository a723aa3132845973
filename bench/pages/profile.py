"""In-process cost of the benchmarked pages: ms per request and queries, optionally a pyinstrument profile.

    .venv/bin/python bench/pages/profile.py [--n 300] [--profile detail]

Runs with DEBUG off against DATABASE_URL if set, else the bench's database (BENCH_DATABASE_URL, default
bench_pages, made by run.py), signed in as the demo applicant, through Django's test client (no HTTP, one process).
"""

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import DATABASE_URL, REDIS_URL  # noqa: E402

from bench import harness  # noqa: E402

harness.in_process(DATABASE_URL, REDIS_URL)
CASE = ROOT.parent / "shared" / "cases" / "eligibility" / "p01_regular_ok.json"


def pages(max_plan: int):
    body = CASE.read_text(encoding="utf-8")
    return {
        "detail": lambda c: c.get(f"/titles/plans/{random.randint(1, max_plan)}/"),
        "list": lambda c: c.get(f"/titles/plans/?page={random.randint(1, 5)}"),
        "api_list": lambda c: c.get(f"/api/v1/plans/?page={random.randint(1, 5)}"),
        "eligibility": lambda c: c.post("/api/v1/eligibility/check", body, content_type="application/json"),
        "catalogue": lambda c: c.get("/titles/catalogue/"),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--profile", help="page to profile with pyinstrument (detail, list, api_list, …)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import Client

    from accounts.models import User
    from titles.models import ReviewPlan

    client = Client()
    client.force_login(User.objects.get(username="applicant"))
    max_plan = ReviewPlan.objects.order_by("-pk").values_list("pk", flat=True).first()
    for name, call in pages(max_plan).items():
        if args.profile and name != args.profile:
            continue
        harness.measure(name, lambda call=call: call(client), args.n, profile=bool(args.profile), warm=20)


if __name__ == "__main__":
    main()
