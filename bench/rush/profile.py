"""In-process cost of the rush's figures: ms and queries per request, optionally a pyinstrument profile.

    .venv/bin/python bench/rush/profile.py \
        [--n 200] [--profile bureau_queue] [--only submit,detail,verify]

DEBUG off, Django's test client in one process (no HTTP), over the data set of dataset.py. Submit uses
fresh drafts (one applicant each, made set-based for this run).
"""

import argparse
import itertools
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import DATABASE_URL, REDIS_URL  # noqa: E402

from bench import harness  # noqa: E402

harness.in_process(DATABASE_URL, REDIS_URL)  # bench_rush and Redis db 4 unless set; static files from run.py
os.environ.pop("ZC_TODAY", None)


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

    from django.urls import reverse

    from certificates.models import Certificate

    links = [reverse("certificates:verify-link", args=row) for row in Certificate.objects.filter(
        committee__name=dataset.COMMITTEE_NAME).order_by("pk").values_list("number", "verification_code")[:1000]]
    public, addresses = Client(), itertools.count()

    def verify(_):  # signed out, each from its own client address (the rate limit counts per address)
        n = next(addresses)
        return public.get(random.choice(links), REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")

    figures = {
        "submit": submit,
        "handler_queue": lambda _: handler.get(f"/reviews/?page={random.randint(1, 5)}"),
        "bureau_queue": lambda _: bureau.get(f"/reviews/?page={random.randint(1, 5)}"),
        "detail": lambda _: handler.get(f"/declarations/{random.choice(ids)}/"),
        **({"verify": verify} if links else {}),  # certificates: made by dataset.py
    }
    for name, call in figures.items():
        if wanted and name not in wanted or args.profile and name != args.profile:
            continue
        harness.measure(name, lambda call=call: call(None), args.n, profile=bool(args.profile))


if __name__ == "__main__":
    main()
