import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def worker_database_url() -> str:
    """The test database as a URL, for worker processes that must see the committed rows."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(log_path, *, pool=("--pool=solo",), **env):
    """A real Celery worker subprocess on the test database (stopped, and its log's tail printed, at exit)."""
    environment = dict(os.environ, DATABASE_URL=worker_database_url(), DEBUG="1", **{k: str(v) for k, v in env.items()})
    log = open(log_path, "w+")
    process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", *pool, "--loglevel=info",
                                "--without-heartbeat", "--without-gossip", "--without-mingle"],
                               cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.seek(0)
        print(log.read()[-3000:])
        log.close()
