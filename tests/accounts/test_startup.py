"""Bad settings stop the process at start with a clear message (no traceback)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')  # as collected
    result = _run(["-c", "import config.wsgi"], DEBUG="0", SECRET_KEY="s3cret-for-this-test",
                  DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", STATIC_ROOT=str(tmp_path / "static"))
    assert result.returncode == 0, result.stderr


def test_contract_commands_work_on_a_fresh_embedded_database(tmp_path):
    result = _manage("working_days", "add", "2026-09-28", "5", DATABASE_URL=f"sqlite:///{tmp_path}/fresh.sqlite3")
    assert (result.returncode, result.stdout.strip()) == (0, "2026-10-10"), result.stderr


ENTRY_POINTS = {
    "manage.py": ["manage.py", "check"],
    "wsgi": ["-c", "import config.wsgi"],
    "asgi": ["-c", "import config.asgi"],
    "celery worker": ["-m", "celery", "-A", "config", "worker", "--pool=solo"],
}


@pytest.mark.parametrize("variable, value, named", [
    ("DATABASE_URL", "notaurl", "DATABASE_URL"),
    ("DATABASE_URL", "postgres://u:p@db:port/x", "DATABASE_URL"),
    ("AXES_FAILURE_LIMIT", "five", "AXES_FAILURE_LIMIT"),
    ("DB_POOL_MAX", "ten", "DB_POOL_MAX"),
    ("TRUSTED_PROXIES", "the-proxy", "TRUSTED_PROXIES"),
    ("OUTBOX_RESEND_AFTER", "soon", "OUTBOX_RESEND_AFTER"),
])
@pytest.mark.parametrize("entry", ["manage.py", "wsgi", "asgi", "celery worker"])
def test_every_malformed_setting_stops_every_entry_point_with_one_chinese_line(entry, variable, value, named):
    env = {"DEBUG": "1", variable: value}
    if variable == "DB_POOL_MAX":
        env.update(DATABASE_URL="postgres://postgres@127.0.0.1:5432/x", DB_POOL="true")
    result = _run(ENTRY_POINTS[entry], **env)
    assert result.returncode == 3, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("启动失败：") and named in lines[0], result.stderr


@pytest.mark.parametrize("entry", ["wsgi", "asgi"])
def test_without_collected_static_files_the_web_server_says_so_at_start(entry, tmp_path):
    env = {"DEBUG": "0", "SECRET_KEY": "s3cret-for-this-test", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "STATIC_ROOT": str(tmp_path / "static")}
    result = _run(ENTRY_POINTS[entry], **env)
    assert result.returncode == 3 and "collectstatic" in result.stderr and "Traceback" not in result.stderr
    collected = _manage("collectstatic", "--noinput", **env)
    assert collected.returncode == 0, collected.stderr
    result = _run(ENTRY_POINTS[entry], **env)
    assert result.returncode == 0, result.stderr
