"""Production settings keep database connections and read sessions from Redis (issue 14, README 设置)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOW = ("from django.conf import settings as s; import json; d = s.DATABASES['default']; "
        "print(json.dumps({'age': d['CONN_MAX_AGE'], 'checks': d['CONN_HEALTH_CHECKS'], "
        "'pool': d['OPTIONS'].get('pool'), 'sessions': s.SESSION_ENGINE}))")


def settings_with(**env) -> dict:
    """The settings a fresh process sees with this environment (no .env file, no pytest)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DEBUG", "REDIS_URL", "DATABASE_URL"))}
    base.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    code = f"import django; django.setup(); {SHOW}"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True,
                            timeout=60, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


PG = "postgres://postgres@127.0.0.1:5432/zhicheng"


@pytest.mark.parametrize(("env", "expected"), [
    ({"DATABASE_URL": PG}, {"age": 600, "checks": True, "pool": None}),
    ({"DATABASE_URL": PG, "DEBUG": "1"}, {"age": 0, "checks": True, "pool": None}),
    ({"DATABASE_URL": PG, "DB_CONN_MAX_AGE": "60"}, {"age": 60, "checks": True, "pool": None}),
    ({"DATABASE_URL": PG, "DB_POOL": "true"},  # checks: a connection broken by a restart is not lent (故障测试)
     {"age": 0, "checks": True, "pool": {"min_size": 1, "max_size": 10, "timeout": 5.0}}),
])
def test_production_keeps_postgresql_connections(env, expected):
    shown = settings_with(**env)
    assert {k: shown[k] for k in expected} == expected


def test_sessions_are_read_from_redis_only_when_every_process_shares_it():
    assert settings_with(REDIS_URL="redis://127.0.0.1:6379/9")["sessions"] == "accounts.session_cached_db"
    assert settings_with()["sessions"] == "django.contrib.sessions.backends.db"
