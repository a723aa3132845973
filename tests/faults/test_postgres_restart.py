"""Fault (issue 20): PostgreSQL restarted under load. gunicorn (sync workers, kept and health-checked
connections, as in production) answers 503 with a Chinese page, or JSON under /api/, while the
database is down, never 500; a web worker that dies meanwhile is replaced and boots; after the restart
the same web processes answer 2xx again.

Uses a PostgreSQL cluster of its own (initdb, port 5441 or a free one) and a redis-server of its own;
runs on SQLite too (the test process needs no database). ``bash bench/faults/postgres_restart.sh``
runs it longer and with more clients.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.client import HTTPException
from pathlib import Path

import pytest

from .servers import ROOT, Gunicorn, choose_port, http, manage, report, scale, sign_in, site_env, wait_until

pytestmark = pytest.mark.faults

PASSWORD = "Faults-test-2026"
SETUP = f"""
from accounts.models import Role
from tests.factories import OrganisationFactory, user_with_role
from accounts.models import OrganisationKind
bureau = OrganisationFactory(name="市人社局", kind=OrganisationKind.HR_BUREAU)
user = user_with_role(Role.APPLICANT, OrganisationFactory(name="甲单位", parent=bureau), username="faults_applicant")
user.set_password({PASSWORD!r}); user.save()
"""
# what the clients ask for: signed out and signed in, pages and API, reads and a write-free POST
REQUESTS = [
    ("GET", "/titles/plans/", False), ("GET", "/titles/catalogue/", False), ("GET", "/declarations/", True),
    ("GET", "/api/v1/declarations/", True), ("GET", "/api/v1/me/", True), ("GET", "/", True),
]


def test_postgres_restart_under_load_answers_503_and_recovers(private_postgres, private_redis, static_collected,
                                                              tmp_path):
    clients, down_seconds = scale("PG_CLIENTS", 6), scale("PG_DOWN_SECONDS", 5)
    before, after = scale("PG_BEFORE_SECONDS", 3), scale("PG_AFTER_SECONDS", 6)
    database_url = private_postgres.start().create_database("faults")
    pool = os.environ.get("FAULTS_PG_DB_POOL") == "1"  # Django's psycopg pool instead of kept connections
    env = site_env(database_url=database_url, redis_url=private_redis.start().url(), **({"DB_POOL": "true"} if pool else {}))
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "shell", "-c", SETUP)
    site = Gunicorn(env, workers=scale("PG_WEB_WORKERS", 2), log_dir=tmp_path).start()
    results: list[tuple[float, str, int, str, bytes]] = []
    stop = threading.Event()
    try:
        cookie = sign_in(site.url, "faults_applicant", PASSWORD)

        def client(number: int):
            i = number
            while not stop.is_set():
                method, path, signed_in = REQUESTS[i % len(REQUESTS)]
                i += 1
                try:
                    status, kind, body = http(site.url, method, path, cookie=cookie if signed_in else "", timeout=30)
                except (OSError, HTTPException) as exc:  # refused, reset or cut short (IncompleteRead):
                    # a failure of the site, but for the one request of the worker killed below
                    status, kind, body = 0, "", str(exc).encode()
                results.append((time.monotonic(), path, status, kind, body))

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
        master = site.process.pid
        for thread in threads:
            thread.start()
        time.sleep(before)
        stopped_at = time.monotonic()
        private_postgres.stop(mode="fast")  # ends every connection, as a restart or failover does
        time.sleep(down_seconds / 2)
        # a web worker that dies while the database is down is replaced by one that boots and answers 503
        victim = site.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        wait_until(lambda: victim not in site.worker_pids() and len(site.worker_pids()) == site.workers,
                   timeout=30, what="gunicorn to replace the killed worker")
        time.sleep(down_seconds / 2)
        started_at = time.monotonic()
        private_postgres.start()
        restarted_at = time.monotonic()
        time.sleep(after)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert site.process.poll() is None and site.process.pid == master, "the web server stopped"
    finally:
        stop.set()
        site.stop()
    log = site.log_tail(20000)

    # the request the killed worker was serving loses its connection (that is the kill, not the site)
    cut = [r for r in results if r[2] == 0]
    assert len(cut) <= 1 and all(killed_at <= r[0] <= killed_at + 2 for r in cut), [r[:3] for r in cut]
    results = [r for r in results if r[2] != 0]
    statuses = Counter(status for _, _, status, _, _ in results)
    assert set(statuses) <= {200, 302, 503}, (statuses, [r[1:4] for r in results if r[2] not in (200, 302, 503)][:5],
                                              log[-3000:])
    unavailable = [r for r in results if r[2] == 503]
    assert unavailable, "no request was answered while the database was down"
    for _, path, _, kind, body in unavailable:
        if path.startswith("/api/"):
            assert kind.startswith("application/json")
            answer = json.loads(body)
            assert answer["code"] == "service_unavailable" and "数据库" in answer["detail"]
        else:
            assert kind.startswith("text/html")
            assert "系统维护中" in body.decode() and "请约半分钟后刷新页面重试" in body.decode()
    assert all(stopped_at <= at <= restarted_at + 5 for at, *_ in unavailable), "a 503 outside the outage"
    healthy_before = [r for r in results if r[0] < stopped_at]
    last = [r for r in results if r[0] > restarted_at + after / 2]
    assert healthy_before and all(r[2] in (200, 302) for r in healthy_before)
    assert last and all(r[2] in (200, 302) for r in last), Counter(r[2] for r in last)
    first_ok = min(at for at, _, status, _, _ in results if at > started_at and status in (200, 302))
    assert "Traceback" not in log, log[-3000:]
    report("postgres_restart" + ("-pool" if pool else ""), [
        f"gunicorn {site.workers} sync workers, "
        f"{'DB_POOL=true' if pool else 'DB_CONN_MAX_AGE=600 with health checks'}; {clients} clients; "
        f"PostgreSQL stopped (-m fast) for {restarted_at - stopped_at:.1f} s, one web worker SIGKILLed meanwhile",
        f"requests {len(results)}: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())),
        f"first 503 {min(r[0] for r in unavailable) - stopped_at:.2f} s after the stop; "
        f"first 2xx/3xx {first_ok - started_at:.2f} s after `pg_ctl start` began "
        f"(which took {restarted_at - started_at:.2f} s)",
        f"500s: 0; web master restarted: no; connections cut by the worker kill: {len(cut)}",
    ])


def test_gunicorn_still_refuses_to_start_without_its_database(static_collected, tmp_path):
    """The start-up checks moved to gunicorn's master (gunicorn.conf.py): a wrong DATABASE_URL still stops it."""
    port = choose_port(5449)  # nothing listens there
    env = site_env(database_url=f"postgres://postgres@127.0.0.1:{port}/none", redis_url="")
    result = subprocess.run([str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application", "--bind",
                             f"127.0.0.1:{choose_port(8149)}", "--workers", "2"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 3
    assert "启动失败：无法连接数据库" in result.stderr
