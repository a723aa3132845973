"""What the page and rush benchmarks share: the production server, wrk, the baseline beside us.

Every server listens on 127.0.0.1 only, is started in its own session and stopped by its PID.
"""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BENCH_SHARED", ROOT.parent / "shared"))  # ../shared beside the repository
BASELINE = SHARED / "bench" / "baseline"
# the server settings of every run, ours and the baseline's (its run.sh: 2 workers, sync, wrk -t2)
WORKERS = 2
CONNECTIONS = 16


def log(name: str, message: str):
    print(f"[bench/{name} {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)  # UTC


def load_average() -> str:
    return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())


def in_process(database_url: str, redis_url: str) -> None:
    """The environment of an in-process profiler (Django's test client, DEBUG off): the bench's database, Redis
    and collected static files (``var/bench-static``, made by the bench's run.py) unless the caller set them."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DATABASE_URL", database_url)
    os.environ.setdefault("REDIS_URL", redis_url)
    os.environ.setdefault("STATIC_ROOT", str(ROOT / "var" / "bench-static"))


def site_env(database_url: str, redis_url: str, static_root: Path) -> dict:
    """The site as in production: DEBUG off, PostgreSQL, Redis (cache, sessions), collected static files."""
    env = dict(os.environ)
    env.pop("ZC_TODAY", None)
    env.update({
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "DEBUG": "false", "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "bench-only-not-a-production-secret-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "STATIC_ROOT": str(static_root),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    })
    return env


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(database_url)
    return parts.path.lstrip("/"), urllib.parse.urlunsplit(parts._replace(path="/postgres"))


def create_database(database_url: str, *, drop: bool = False) -> bool:
    """Create the database if missing (drop it first with ``drop``); True when it was created."""
    import psycopg

    name, admin_url = _admin_url(database_url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


def start_gunicorn(env: dict, out: Path, port: int, *, probe: str = "/accounts/login/") -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
         "--worker-class", "sync", "--backlog", "2048", "--timeout", "30", "--graceful-timeout", "5",
         "--error-logfile", str(out / "gunicorn.log"), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {out / 'gunicorn.log'}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2)
            return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop(process: subprocess.Popen | None):
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # gunicorn started in its own session: its workers too
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def run_wrk(script: Path, url: str, seconds: int, args: list[str], out_file: Path, *, marker: str) -> dict:
    """wrk -t2 -c16 as the baseline runs it; the script's done() prints ``<marker> requests duration_us p50_us
    p99_us connect read write status timeout [non2xx]``."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s", "--latency", "-s", str(script),
               url, "--", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    out_file.write_text(result.stdout + result.stderr)
    match = re.search(rf"^{marker} (.*)$", result.stdout, re.M)
    if not match:
        raise SystemExit(f"wrk gave no result; see {out_file}")
    requests, duration, p50, p99, *errors = (int(x) for x in match.group(1).split())
    return {"rps": requests / (duration / 1e6), "p50": p50 / 1000, "p99": p99 / 1000, "errors": sum(errors),
            "requests": requests}


def run_baseline(out: Path, seconds: int, endpoints: str, *, port: int | None = None,
                 database: str | None = None) -> dict:
    """../shared/bench/baseline/run.sh with our server settings (sync, 2 workers, c16); {endpoint: req/s}."""
    env = dict(os.environ, LIMIT_CLASSES="sync", LIMIT_CONCURRENCIES=str(CONNECTIONS), LIMIT_DURATION=f"{seconds}s",
               LIMIT_ENDPOINTS=endpoints, LIMIT_OUT=str(out / "baseline"))
    if port:
        env["LIMIT_PORT"] = str(port)
    if database:
        env["LIMIT_DB"] = database
    with open(out / "baseline.log", "w") as log_file:
        subprocess.run(["bash", str(BASELINE / "run.sh")], cwd=ROOT, env=env, check=True, timeout=900,
                       stdout=log_file, stderr=subprocess.STDOUT)
    figures = {}
    for line in (out / "baseline" / "results.tsv").read_text().splitlines()[1:]:
        endpoint, _workers, _conc, rps, *_ = line.split("\t")
        figures[endpoint] = float(rps) if rps != "FAIL" else 0.0
    return figures


def ratio_row(label: str, figures: dict, endpoint: str | None, base: float | None, goal: float | None) -> str:
    """One line of the table: figure, ours, p99, baseline, ratio, goal."""
    if not base:
        goal_text = "–" if goal is None else f"≥ {goal} × {endpoint}"
        return f"| {label} | {figures['rps']:,.0f} | {figures['p99']:.1f} | – | – | {goal_text} |"
    ratio = figures["rps"] / base
    goal_text = "–" if goal is None else f"≥ {goal} × {endpoint}" + (" ✓" if ratio >= goal else " ✗")
    return f"| {label} | {figures['rps']:,.0f} | {figures['p99']:.1f} | {endpoint} {base:,.0f} | {ratio:.2f} | {goal_text} |"


def measure(name: str, call, n: int, *, profile: bool = False, warm: int = 10) -> dict:
    """In-process cost of one page: ``call()`` returns a response (it must be 200); after ``warm`` calls,
    the queries of one call, then wall and CPU ms per call over ``n`` calls (a pyinstrument profile first
    with ``profile``). Prints one JSON line (and the SQL with SHOW_SQL=1)."""
    import json

    from django.db import connection

    for _ in range(warm):
        response = call()
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
    queries: list[str] = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        call()
    if profile:
        from pyinstrument import Profiler

        with Profiler(interval=0.0002) as profiler:
            for _ in range(n):
                call()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        call()
    figures = {"page": name, "ms": round((time.perf_counter() - started) * 1000 / n, 2),
               "cpu_ms": round((time.process_time() - cpu) * 1000 / n, 2), "queries": len(queries)}
    print(json.dumps(figures))
    if os.environ.get("SHOW_SQL"):
        for sql in queries:
            print("   ", sql[:200])
    return figures
