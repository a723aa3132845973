"""Acceptance (issue 12): with the broker down a plan is published and amended, the user gets success
with “PDF 生成中”; when the broker is back, the sweep hands the work to a real worker, which renders
the newest plan exactly once.

Starts a private redis-server on a free port (stopped at first), and a real Celery worker subprocess;
needs PostgreSQL (the worker must see the committed rows of the test database).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.core.management import call_command
from django.db import connection

from accounts.models import Role
from outbox.models import OutboxMessage
from tests.factories import review_plan, user_with_role
from titles.models import ReviewPlan

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql" or not shutil.which("redis-server"),
                       reason="needs DATABASE_URL (PostgreSQL) and the redis-server program"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def private_broker(tmp_path):
    """A Redis URL on a port where nothing listens yet; ``start()`` brings the server up."""
    from config.celery import app

    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    previous, app.conf.broker_url = app.conf.broker_url, url
    processes = []

    def start():
        processes.append(subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(url, socket_connect_timeout=1).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    yield url, start
    app.conf.broker_url = previous
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def _start_worker(tmp_path, broker_url, media_root):
    db = connection.settings_dict
    env = dict(os.environ, DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                                        f"/{db['NAME']}", REDIS_URL=broker_url, MEDIA_ROOT=media_root, DEBUG="1")
    log = open(tmp_path / "worker.log", "w+")
    process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
                                "--loglevel=info", "--without-heartbeat", "--without-gossip", "--without-mingle"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return process, log


def test_work_committed_while_the_broker_is_down_completes_once_when_it_returns(client, org_tree, tmp_path,
                                                                                 settings, private_broker):
    broker_url, start_broker = private_broker
    settings.MEDIA_ROOT = str(tmp_path / "media")  # shared by this process and the worker
    bureau_user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    plan = review_plan(org_tree["bureau"], document_number="长人社函〔2026〕99号")
    client.force_login(bureau_user)

    # the broker is down: publishing and amending still succeed, and say the PDF is on its way
    started = time.monotonic()
    published = client.post(f"/api/v1/plans/{plan.pk}/publish/")
    assert time.monotonic() - started < 5  # no reconnect loop in the request
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published" and published.json()["document_status"] == "PDF 生成中"
    meetings = plan.phases.get(kind="review_meetings")
    amended = client.post(f"/api/v1/plans/{plan.pk}/amend/", {
        "reason": "评审会场调整",
        "phases": {"review_meetings": {"start": meetings.start.isoformat(), "end": "2026-11-19"}},
    }, content_type="application/json")
    assert amended.status_code == 201, amended.content
    assert amended.json()["document_status"] == "PDF 生成中"
    assert OutboxMessage.objects.filter(done_at__isnull=True).count() == 2

    # the broker returns, a worker starts, the sweep sends the pending work
    start_broker()
    worker, log = _start_worker(tmp_path, broker_url, settings.MEDIA_ROOT)
    try:
        call_command("outbox_sweep")
        deadline = time.monotonic() + 120
        while OutboxMessage.objects.filter(done_at__isnull=True).exists():
            assert time.monotonic() < deadline, "the worker did not complete the pending work in time"
            assert worker.poll() is None, "the worker stopped"
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.seek(0)
        print(log.read()[-3000:])

    plan = ReviewPlan.objects.get(pk=plan.pk)
    assert plan.document.name == f"plans/plan-{plan.pk}-1.pdf"  # the amended plan, not the first version
    assert plan.history.filter(history_change_reason="生成方案文本").count() == 1  # rendered exactly once
    assert sorted(p.name for p in (tmp_path / "media" / "plans").iterdir()) == [f"plan-{plan.pk}-1.pdf"]
    with plan.document.open("rb") as handle:
        pdf = handle.read()
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    assert "评审会场调整".encode() in text and "2026年11月19日".encode() in text
    assert client.get(f"/api/v1/plans/{plan.pk}/").json()["document_status"] == "已生成"
    # the sweep finds nothing more to send
    assert OutboxMessage.objects.filter(done_at__isnull=True).count() == 0
