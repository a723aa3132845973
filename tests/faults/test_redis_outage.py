"""Fault (issue 20): Redis stopped during a burst of submissions.

A live gunicorn and a real Celery worker (with beat) use a redis-server of their own for the cache,
the sessions (``cached_db``) and the broker. With that Redis stopped, a burst of real ``submit``s
through the HTTP API all answer 200 and are committed, and pages keep answering (sessions come from
the database, config/cache.py); when Redis returns, beat's outbox sweep hands the pending e-mails to
the worker, which sends each notification exactly once, also when its message is delivered twice.

Needs PostgreSQL (DATABASE_URL): the server and the worker must see the test's committed rows.
``bash bench/faults/redis_outage.sh`` runs it with more submissions.
"""

import email
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from accounts.models import Notification, Role
from declarations.models import Declaration
from declarations.services import start_declaration
from outbox.models import OutboxMessage
from reviews.models import Decision
from tests.declarations.conftest import attach_required_materials, fill_profile
from tests.factories import user_with_role

from .servers import (
    CeleryWorker,
    Gunicorn,
    http,
    live_database_url,
    needs_postgresql,
    report,
    scale,
    session_cookie,
    site_env,
    wait_until,
)

pytestmark = [pytest.mark.faults, needs_postgresql, pytest.mark.django_db(transaction=True)]


def _mails(folder: Path) -> Counter:
    """Recipients of the e-mails the worker wrote (Django's file-based backend), counted."""
    recipients = Counter()
    for path in folder.glob("*.log"):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                recipients[email.message_from_string(chunk.strip())["To"]] += 1
    return recipients


def test_submissions_while_redis_is_down_are_kept_and_notified_once(in_window, plan, org_tree, settings, tmp_path,
                                                                     private_redis, static_collected):
    submits = scale("REDIS_SUBMITS", 12)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    employer = org_tree["employer_a"]
    handlers = [user_with_role(Role.EMPLOYER_HANDLER, employer, email=f"handler{n}@example.cn") for n in range(2)]
    drafts = {}
    for _ in range(submits):
        applicant = user_with_role(Role.APPLICANT, employer)
        fill_profile(applicant, series=plan.series)
        declaration = start_declaration(actor=applicant, plan_id=plan.pk, level="intermediate")
        attach_required_materials(declaration, applicant)
        drafts[declaration.pk] = session_cookie(applicant)

    mail = tmp_path / "mail"
    env = site_env(database_url=live_database_url(), redis_url=private_redis.start().url(),
                   SECRET_KEY=settings.SECRET_KEY, MEDIA_ROOT=settings.MEDIA_ROOT,
                   DEBUG="1", ZC_TODAY=in_window.isoformat(),  # the test clock (config/clock.py): inside the window
                   EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=mail,
                   OUTBOX_SWEEP_SECONDS=2, REDIS_RETRY_AFTER=1)
    site = Gunicorn(env, workers=3, log_dir=tmp_path).start()
    worker = CeleryWorker(env, log_dir=tmp_path, beat=True)
    answers, pages = {}, Counter()
    try:
        worker.start()
        some_cookie = next(iter(drafts.values()))
        assert http(site.url, "GET", "/declarations/", cookie=some_cookie)[0] == 200  # session now in Redis

        private_redis.stop()
        started = time.monotonic()

        def submit(pk, cookie):
            answers[pk] = http(site.url, "POST", f"/api/v1/declarations/{pk}/actions/submit/", cookie=cookie,
                               body=b'{"pledge": true}')
            for path in ("/declarations/", f"/declarations/{pk}/", "/notifications/", "/api/v1/me/"):
                pages[(path.split("/")[1], http(site.url, "GET", path, cookie=cookie)[0])] += 1

        threads = [threading.Thread(target=submit, args=item) for item in drafts.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        burst = time.monotonic() - started
        # the signed-out self-check's rate limit fails open: the page still answers
        pages[("eligibility (signed out)", http(site.url, "GET", "/titles/eligibility/")[0])] += 1

        refused = {pk: answer[:1] + (answer[2][:300],) for pk, answer in answers.items() if answer[0] != 200}
        assert not refused, (refused, site.log_tail())
        assert set(status for (_, status) in pages) == {200}, pages
        # every submission is committed while Redis is down; its e-mails wait in the outbox
        assert Declaration.objects.filter(pk__in=drafts, state="employer_review", version=1).count() == submits
        assert Decision.objects.filter(declaration__in=drafts, action="submit").count() == submits
        notices = Notification.objects.filter(recipient__in=handlers)
        assert notices.count() == 2 * submits and not notices.filter(emailed_at__isnull=False).exists()
        waiting = OutboxMessage.objects.filter(kind="accounts.notifications.send_notification_email")
        assert waiting.count() == 2 * submits and not waiting.filter(sent_at__isnull=False).exists()
        assert not mail.exists() or not _mails(mail)

        # Redis returns (empty: no persistence); the running worker reconnects, beat's sweep sends the work
        private_redis.start()
        back = time.monotonic()
        wait_until(lambda: not waiting.filter(done_at__isnull=True).exists(), timeout=180,
                   what="the worker to send every pending e-mail", interval=0.5)
        delivered = time.monotonic() - back
        # a second delivery of every message (a sweep racing a slow worker) sends nothing more
        from config.celery import app

        app.conf.broker_url = private_redis.url()
        with app.connection_for_write() as connection:
            for message_id in waiting.values_list("pk", flat=True):
                app.send_task("outbox.deliver", args=[message_id], connection=connection, ignore_result=True)
        wait_until(lambda: worker.log_text().count("outbox.deliver") >= 4 * 2 * submits, timeout=120,
                   what="the worker to take the duplicate deliveries")
        time.sleep(1)
    finally:
        site.stop()
        worker.stop()
        print(worker.log_text()[-3000:])

    sent = _mails(mail)
    assert sent == {f"handler{n}@example.cn": submits for n in range(2)}, sent
    assert not notices.filter(emailed_at__isnull=True).exists()
    assert set(waiting.values_list("attempts", flat=True)) == {1}
    report("redis_outage", [
        "gunicorn 3 sync workers, Celery worker with beat (outbox sweep every 2 s); Redis stopped before the burst",
        f"{submits} concurrent submits via POST /api/v1/declarations/<id>/actions/submit/ in {burst:.1f} s with Redis "
        f"down: {Counter(a[0] for a in answers.values())}; pages meanwhile: {dict(pages)}",
        f"committed: {submits} declarations, {submits} decisions, {2 * submits} notifications and outbox messages",
        f"Redis back: all {2 * submits} e-mails sent {delivered:.1f} s later; after a duplicate delivery of every "
        f"message: e-mails per handler {dict(sent)}, attempts per message {sorted(set(waiting.values_list('attempts', flat=True)))}",
    ])
