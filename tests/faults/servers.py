"""Throwaway servers for the fault tests (issue 20): a PostgreSQL cluster (initdb), a redis-server,
gunicorn as in production and a Celery worker, each started and stopped by the test that owns it.

The machine's own PostgreSQL and Redis are never touched: every server here has its own port and a
data directory under /tmp, and ``stop`` ends only the processes it started (by their process group).
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def choose_port(preferred: int) -> int:
    """The preferred port (issue 20's ranges) when free, else any free port."""
    if port_free(preferred):
        return preferred
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _stop_group(process: subprocess.Popen | None, *, sig=signal.SIGTERM, timeout: float = 20):
    """Stop a process started with ``start_new_session`` and everything it started."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


# --- PostgreSQL --------------------------------------------------------------------------------

def postgres_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb under /tmp, trust auth on 127.0.0.1, fsync off)."""

    def __init__(self, port: int = 5441):
        self.port = choose_port(port)
        self.datadir = None
        self._as_postgres = os.geteuid() == 0  # the server refuses to run as root

    @staticmethod
    def available() -> bool:
        return bool(postgres_bin("initdb") and postgres_bin("pg_ctl"))

    def _run(self, *args, check=True):
        command = list(args)
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def init(self):
        self.datadir = tempfile.mkdtemp(prefix="zh-faults-pg-")
        if self._as_postgres:
            shutil.chown(self.datadir, "postgres", "postgres")
        self._run(postgres_bin("initdb"), "-D", self.datadir, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        return self

    def start(self):
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.datadir} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        started = self._run(postgres_bin("pg_ctl"), "-D", self.datadir, "-o", options, "-l",
                            f"{self.datadir}/server.log", "-w", "-t", "60", "start", check=False)
        if started.returncode:  # say why: the log goes with the temporary folder
            with open(f"{self.datadir}/server.log", errors="replace") as log:
                tail = "".join(log.readlines()[-20:])
            raise AssertionError(f"pg_ctl start failed ({started.returncode}) on port {self.port}: "
                                 f"{started.stdout}{started.stderr}\nserver.log:\n{tail}")
        return self

    def stop(self, mode: str = "fast"):
        if self.datadir and os.path.exists(f"{self.datadir}/postmaster.pid"):
            self._run(postgres_bin("pg_ctl"), "-D", self.datadir, "-m", mode, "-w", "-t", "60", "stop", check=False)

    def destroy(self):
        self.stop(mode="immediate")
        if self.datadir:
            shutil.rmtree(self.datadir, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def standby(self) -> "PrivatePostgres":
        """A hot standby of this (running) cluster, made with ``pg_basebackup -R``, not yet started."""
        replica = PrivatePostgres(port=self.port + 1)
        replica.datadir = tempfile.mkdtemp(prefix="zh-faults-standby-")
        if replica._as_postgres:
            shutil.chown(replica.datadir, "postgres", "postgres")
        replica._run(postgres_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                     "-D", replica.datadir, "-R", "-X", "stream", "--checkpoint=fast")
        return replica

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


# --- Redis -------------------------------------------------------------------------------------

class PrivateRedis:
    """A redis-server of our own without persistence; ``stop`` and ``start`` again simulate an outage."""

    def __init__(self, port: int = 6391, *, persistent: bool = False):
        self.port = choose_port(port)
        self.workdir = tempfile.mkdtemp(prefix="zh-faults-redis-")
        self.persistent = persistent  # append-only file: a restart brings the data back, as in docker-compose
        self.process = None

    @staticmethod
    def available() -> bool:
        return bool(shutil.which("redis-server"))

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
             "yes" if self.persistent else "no", "--appendfsync", "always", "--dir", self.workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until(self.ping, timeout=20, what=f"redis-server on port {self.port}")
        return self

    def stop(self):
        _stop_group(self.process)
        self.process = None

    def destroy(self):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


# --- the site and the worker -----------------------------------------------------------------------

def site_env(*, database_url: str, redis_url: str, **extra) -> dict:
    """The environment of a web or worker process as in production (DEBUG off, kept connections)."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "DEBUG": "false", "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "faults-only-not-a-production-secret-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "STATIC_ROOT": str(ROOT / "var" / "faults-static"),
        "DB_CONN_MAX_AGE": "600", "DJANGO_SETTINGS_MODULE": "config.settings",
    })
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(env: dict, *args, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=timeout)


def collect_static(env: dict):
    manage(env, "collectstatic", "--noinput", "-v0")


class Gunicorn:
    """gunicorn with sync workers on 127.0.0.1, as docker-compose runs it."""

    def __init__(self, env: dict, *, port: int = 8141, workers: int = 2, log_dir: Path):
        self.env, self.workers, self.log = env, workers, Path(log_dir) / "gunicorn.log"
        self.port = choose_port(port)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self, *, timeout: float = 60):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--workers",
             str(self.workers), "--worker-class", "sync", "--timeout", "60", "--graceful-timeout", "5",
             "--error-logfile", str(self.log), "--log-level", "warning"],
            cwd=ROOT, env=self.env, start_new_session=True)

        def answers():
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}: {self.log_tail()}")
            try:
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=5).read()
                return True
            except urllib.error.HTTPError:
                return True
            except OSError:
                return False

        wait_until(answers, timeout=timeout, what="gunicorn to answer")
        return self

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text()[-chars:] if self.log.exists() else ""

    def stop(self):
        _stop_group(self.process)


class CeleryWorker:
    """A real Celery worker (``celery -A config worker``) in its own process group."""

    def __init__(self, env: dict, *, log_dir: Path, name: str = "worker", pool: str = "solo", concurrency: int = 1,
                 beat: bool = False, include: str = ""):
        self.env, self.pool, self.concurrency, self.beat, self.include = env, pool, concurrency, beat, include
        self.log = Path(log_dir) / f"{name}.log"
        self.workdir = Path(log_dir)
        self.name = name
        self.process = None

    def start(self):
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={self.pool}",
                   f"--concurrency={self.concurrency}", "--loglevel=info", "--without-gossip", "--without-mingle",
                   "-n", f"{self.name}-{os.getpid()}@%h"]
        if self.include:
            command += ["--include", self.include]
        if self.beat:
            command += ["--beat", "--schedule", str(self.workdir / f"{self.name}-beat-schedule")]
        env = self.env
        if self.beat:  # a file-based beat running only the outbox sweep, at the test's pace (config/settings.py)
            env = {**env, "CELERY_BEAT_SCHEDULER": "celery.beat:PersistentScheduler"}
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,
                                        stdout=open(self.log, "a"), stderr=subprocess.STDOUT)
        wait_until(lambda: self.process.poll() is not None or "ready." in self.log_text(), timeout=90,
                   what="the Celery worker to be ready")
        assert self.process.poll() is None, f"the worker stopped: {self.log_text()[-3000:]}"
        return self

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def pool_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill(self):
        """SIGKILL the whole worker (main process and pool): nothing is acknowledged or restored."""
        _stop_group(self.process, sig=signal.SIGKILL)

    def stop(self):
        _stop_group(self.process, timeout=30)


# --- HTTP ----------------------------------------------------------------------------------------

CSRF = "faultsfaultsfaultsfaultsfaults01"  # a 32-character CSRF secret: cookie and header carry the same


def http(base_url: str, method: str, path: str, *, cookie: str = "", body: bytes | None = None,
         timeout: float = 30) -> tuple[int, str, bytes]:
    """One request on a fresh connection (gunicorn's sync workers close each one): status, type, body."""
    headers = {"Cookie": f"csrftoken={CSRF}; {cookie}".strip("; "), "X-CSRFToken": CSRF,
               "Referer": f"{base_url}/", "Content-Type": "application/json"}
    request = urllib.request.Request(base_url + path, method=method, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base_url: str, username: str, password: str) -> str:
    """Sign in through the login form as a browser does; return the session cookie ("sessionid=…")."""
    import http.cookiejar
    import re
    import urllib.parse

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    page = opener.open(f"{base_url}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(f"{base_url}/accounts/login/", data=data,
                                     headers={"Referer": f"{base_url}/accounts/login/"})
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        if error.code != 302:
            raise
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    assert session, f"signing in as {username} gave no session"
    return f"sessionid={session}"


def report(name: str, lines: list[str]) -> None:
    """Print the figures a fault test measured and keep them in var/faults/<name>.txt."""
    out = ROOT / "var" / "faults"
    out.mkdir(parents=True, exist_ok=True)
    text = "\n".join([f"# {name} ({time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, "
                      f"load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())})", *lines])
    (out / f"{name}.txt").write_text(text + "\n")
    print("\n" + text)


def scale(name: str, default: int) -> int:
    """A size of a fault test; bench/faults/*.sh raise it (FAULTS_<NAME>)."""
    return int(os.environ.get(f"FAULTS_{name}", default))


def _settings():
    from django.conf import settings

    return settings


needs_postgresql = pytest.mark.skipif(
    "postgresql" not in _settings().DATABASES["default"]["ENGINE"],
    reason="the live server and the worker must see the test's committed rows: needs DATABASE_URL (PostgreSQL)")


def live_database_url() -> str:
    """The URL of the test database, for the live server and the worker (other processes)."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def session_cookie(user) -> str:
    """A signed-in session for ``user`` (stored in the database, which the live server falls back to)."""
    from tests.clients import SignedInClient

    client = SignedInClient()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"
