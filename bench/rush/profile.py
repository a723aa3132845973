"""In-process cost of the rush's figures: ms and queries per request, optionally a pyinstrument profile.

    DATABASE_URL=postgres://…/bench_rush REDIS_URL=redis://…/4 .venv/bin/python bench/rush/profile.py \
        [--n 200] [--profile bureau_queue] [--only submit,detail]

DEBUG off, Django's test client in one process (no HTTP), over the data set of dataset.py. Submit uses
fresh drafts (one applicant each, made set-based for this run).
"""

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "0"
os.environ.pop("ZC_TODAY", None)
os.environ.setdefault("STATIC_ROOT", str(ROOT / "var" / "bench-static"))  # collected by run.py


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--profile", help="figure to profile with pyinstrument")
    parser.add_argument("--only", help="comma-separated figures")
    args = parser.parse_args()

    import django

    django.setup()
    import dataset
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from declarations.models import Declaration

    handler, bureau = Client(), Client()
    handler_user = User.objects.get(username="handler")
    handler.force_login(handler_user)
    bureau_user = User.objects.get(username="bureau")
    bureau.force_login(bureau_user)
    device, _ = TOTPDevice.objects.get_or_create(user=bureau_user, name="bench", defaults={"confirmed": True})
    session = bureau.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    employer = handler_user.memberships()[0].organisation_id
    ids = list(Declaration.objects.filter(employer_id=employer).exclude(state="draft").values_list("pk", flat=True))
    wanted = set(args.only.split(",")) if args.only else None
    drafts = []
    if wanted is None or "submit" in wanted:  # signed in beforehand (sessions made as the sign-in makes them)
        from importlib import import_module

        store = import_module(settings.SESSION_ENGINE).SessionStore
        for declaration in Declaration.objects.filter(pk__in=dataset.prepare_drafts(
                args.n * 3 + 50, "p" + time.strftime("%H%M%S"))).select_related("applicant"):
            session = store()
            session.update(store().decode(dataset._session(declaration.applicant)[1]))
            session.create()
            drafts.append((declaration.pk, session.session_key))
    drafts = iter(drafts)
    applicant = Client()

    def submit(_):
        pk, key = next(drafts)
        applicant.cookies[settings.SESSION_COOKIE_NAME] = key
        return applicant.post(f"/api/v1/declarations/{pk}/actions/submit/", {"pledge": True},
                              content_type="application/json")

    figures = {
        "submit": submit,
        "handler_queue": lambda _: handler.get(f"/reviews/?page={random.randint(1, 5)}"),
        "bureau_queue": lambda _: bureau.get(f"/reviews/?page={random.randint(1, 5)}"),
        "detail": lambda _: handler.get(f"/declarations/{random.choice(ids)}/"),
    }
    for name, call in figures.items():
        if wanted and name not in wanted or args.profile and name != args.profile:
            continue
        for _ in range(10):
            response = call(None)
            assert response.status_code == 200, (name, response.status_code, response.content[:300])
        queries: list[str] = []

        def record(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            call(None)
        if args.profile:
            from pyinstrument import Profiler

            with Profiler(interval=0.0002) as profiler:
                for _ in range(args.n):
                    call(None)
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        started = time.perf_counter()
        cpu = time.process_time()
        for _ in range(args.n):
            call(None)
        ms = (time.perf_counter() - started) * 1000 / args.n
        cpu_ms = (time.process_time() - cpu) * 1000 / args.n
        print(json.dumps({"figure": name, "ms": round(ms, 2), "cpu_ms": round(cpu_ms, 2), "queries": len(queries)}))
        if os.environ.get("SHOW_SQL"):
            for sql in queries:
                print("   ", sql[:200])


if __name__ == "__main__":
    main()
