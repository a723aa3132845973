"""The health check of kept PostgreSQL connections costs no round trip, and still finds a connection the
server closed (config/postgresql/base.py)."""

import time

import psycopg
import pytest
from django.db import connection

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend"),
    pytest.mark.django_db(transaction=True),
]


def _url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _last_query(other, pid: int) -> str:
    return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def test_a_healthy_connection_is_usable_without_a_query():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), 'health check marker'")
        pid = cursor.fetchone()[0]
    assert connection.settings_dict["ENGINE"] == "config.postgresql"
    with psycopg.connect(_url(), autocommit=True) as other:
        assert "health check marker" in _last_query(other, pid)
        for _ in range(3):
            assert connection.is_usable()
        assert "health check marker" in _last_query(other, pid), "the check sent a query"


def test_a_connection_the_server_closed_is_found_and_replaced():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with psycopg.connect(_url(), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not connection.is_usable()
    # what Django does before a request's first query with CONN_HEALTH_CHECKS: close it and connect again
    connection.health_check_enabled, connection.health_check_done = True, False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1
