"""The benchmarks' harness against the real PostgreSQL (bench/harness.py)."""

import re

import pytest
from django.db import connection

from bench import harness

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_prewarm is PostgreSQL's")


def _url(name: str) -> str:
    given = connection.settings_dict
    return f"postgres://{given['USER'] or 'postgres'}@{given['HOST'] or '127.0.0.1'}:{given['PORT'] or 5432}/{name}"


@pytest.mark.django_db
def test_every_table_index_and_toast_table_of_the_database_is_read_into_memory():
    with connection.cursor() as cursor:  # the main fork of each: what pg_prewarm reads
        cursor.execute("""
            SELECT sum(pg_relation_size(c.oid)) FROM pg_class c
            WHERE c.relnamespace IN ('public'::regnamespace, 'pg_toast'::regnamespace)
              AND (c.relnamespace = 'public'::regnamespace OR c.oid IN (
                   SELECT reltoastrelid FROM pg_class WHERE relnamespace = 'public'::regnamespace
                   UNION SELECT i.indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
                   WHERE t.relnamespace = 'pg_toast'::regnamespace))
              AND c.relkind IN ('r', 'i', 't', 'm') AND c.relpersistence = 'p'""")
        size = cursor.fetchone()[0]
    said = harness.in_memory(_url(connection.settings_dict["NAME"]))
    found = re.fullmatch(r"([\d,]+) MB read into memory in [\d.]+ s", said)
    assert found, said
    assert abs(int(found.group(1).replace(",", "")) - size / 2**20) <= 1, (said, size)


def test_a_database_that_cannot_be_read_is_said_so():
    said = harness.in_memory(_url("zc_no_such_database_for_the_bench"))
    assert said.startswith("not read into memory (OperationalError: ")


def test_the_url_of_another_database_on_the_same_server():
    assert (harness.database_url_of("postgres://u@db.example:6543/bench_rush?sslmode=require", "bench_rush_limit")
            == "postgres://u@db.example:6543/bench_rush_limit?sslmode=require")
    assert harness._admin_url("postgres://u@db.example:6543/bench_rush") == (
        "bench_rush", "postgres://u@db.example:6543/postgres")
