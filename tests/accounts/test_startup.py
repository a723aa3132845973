"""Bad settings stop the process at start with a clear message (no traceback)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(argv, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    environment.update(env)
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=120)


def _manage(*args, **env):
    return _run(["manage.py", *args], **env)


def test_unreachable_database_fails_at_start_with_a_clear_message():
    result = _manage("migrate", DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere", DEBUG="1")
    assert result.returncode == 3
    assert "无法连接数据库" in result.stderr and "127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_unreachable_redis_fails_at_start():
    result = _manage("migrate", REDIS_URL="redis://127.0.0.1:1/0", DEBUG="1")
    assert result.returncode == 3 and "无法连接 Redis" in result.stderr


def test_malformed_database_url_is_named():
    result = _manage("check", DATABASE_URL="nonsense://x", DEBUG="1")
    assert result.returncode == 3 and "DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_missing_secret_key_in_production_is_refused_by_the_web_server(tmp_path):
    result = _run(["-c", "import config.wsgi"], DEBUG="0", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode == 3 and "SECRET_KEY" in result.stderr
    result = _run(["-c", "import config.wsgi"], DEBUG="0", SECRET_KEY="s3cret-for-this-test",
                  DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode == 0, result.stderr


def test_contract_commands_work_on_a_fresh_embedded_database(tmp_path):
    result = _manage("working_days", "add", "2026-09-28", "5", DATABASE_URL=f"sqlite:///{tmp_path}/fresh.sqlite3")
    assert (result.returncode, result.stdout.strip()) == (0, "2026-10-10"), result.stderr
