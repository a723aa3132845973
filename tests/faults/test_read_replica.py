"""Read replicas with no code change (issue 20): ``DATABASE_REPLICA_URLS`` sends the safe requests' reads to a
real PostgreSQL streaming replica, while a browser that has just changed something, every transaction,
and every management command or task read the primary.

A primary cluster of our own (initdb) and a hot standby made from it with ``pg_basebackup -R``; replay on the
standby is paused (``pg_wal_replay_pause``), so a row written on the primary afterwards exists there and not
on the replica: where a page finds it tells which server answered. gunicorn runs as in production.
"""

import time
import urllib.error
import urllib.request

import psycopg
import pytest

from .servers import Gunicorn, manage, site_env, wait_until

pytestmark = pytest.mark.faults

NEW_PLAN = "副本延迟检验用评审工作方案"
PUBLISH = f"""
from accounts.models import OrganisationKind
from tests.factories import OrganisationFactory, review_plan
bureau = OrganisationFactory(name="副本检验人社局", kind=OrganisationKind.HR_BUREAU)
review_plan(bureau, name={NEW_PLAN!r}, status="published")
"""


def get(url: str, *, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def post_set_cookie(url: str) -> str:
    """An unsafe request (refused without a CSRF token: it changes nothing) and the cookies it set."""
    request = urllib.request.Request(url, method="POST", data=b"{}", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return " ".join(response.headers.get_all("Set-Cookie") or [])
    except urllib.error.HTTPError as error:
        return " ".join(error.headers.get_all("Set-Cookie") or [])


def replayed(primary_url: str, standby_url: str) -> bool:
    with psycopg.connect(primary_url, autocommit=True) as primary:
        lsn = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    with psycopg.connect(standby_url, autocommit=True) as standby:
        return bool(standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()[0])


def test_safe_requests_read_the_replica_and_writers_the_primary(private_postgres, static_collected, tmp_path):
    primary_url = private_postgres.start().create_database("replicas")
    env = site_env(database_url=primary_url, redis_url="")
    manage(env, "migrate", "--noinput", "-v0")

    standby = private_postgres.standby()
    try:
        standby.start()
        standby_url = standby.url("replicas")
        wait_until(lambda: replayed(primary_url, standby_url), timeout=60, what="the standby to catch up")
        with psycopg.connect(standby_url, autocommit=True) as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0], "the standby must be a replica"
            conn.execute("SELECT pg_wal_replay_pause()")

        # a plan published on the primary while the replica's replay is paused: a lagging replica
        manage(env, "shell", "-c", PUBLISH)
        replica_env = {**env, "DATABASE_REPLICA_URLS": standby_url, "REPLICA_PIN_SECONDS": "3"}
        # a management command (as a Celery task) reads the primary although replicas are configured
        found = manage(replica_env, "shell", "-c",
                       f"from titles.models import ReviewPlan; print(ReviewPlan.objects.filter(name={NEW_PLAN!r}).count())")
        assert found.stdout.strip().splitlines()[-1] == "1"

        site = Gunicorn(replica_env, workers=1, log_dir=tmp_path).start()  # one worker: its per-process state is shared by every request below
        try:
            status, page = get(f"{site.url}/titles/plans/")
            assert status == 200
            assert NEW_PLAN not in page, "a signed-out GET must have read the (paused) replica"

            cookies = post_set_cookie(f"{site.url}/api/v1/eligibility/check")
            assert "zc_primary=1" in cookies and "Max-Age=3" in cookies, cookies
            status, page = get(f"{site.url}/titles/plans/", cookie="zc_primary=1")
            assert status == 200 and NEW_PLAN in page, "a browser that just wrote must read the primary"

            with psycopg.connect(standby_url, autocommit=True) as conn:
                conn.execute("SELECT pg_wal_replay_resume()")
            wait_until(lambda: replayed(primary_url, standby_url), timeout=60, what="the standby to replay")
            deadline = time.monotonic() + 10
            while NEW_PLAN not in get(f"{site.url}/titles/plans/")[1] and time.monotonic() < deadline:
                time.sleep(0.2)
            assert NEW_PLAN in get(f"{site.url}/titles/plans/")[1], "the replica caught up: the page shows the plan"
            assert "Traceback" not in site.log_tail()
        finally:
            site.stop()
    finally:
        standby.destroy()
