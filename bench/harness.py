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
from statistics import median

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
    """The database's name and the URL of the server's ``postgres`` database."""
    return urllib.parse.urlsplit(database_url).path.lstrip("/"), database_url_of(database_url, "postgres")


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
    return _answering(process, f"http://127.0.0.1:{port}{probe}", "gunicorn", out / "gunicorn.log")


def _answering(process: subprocess.Popen, url: str, name: str, log_path: Path) -> subprocess.Popen:
    """``process`` once ``url`` answers (within 30 s); stopped, and the run ended, when it exits or never does."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with {process.returncode}; see {log_path}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit(f"{name} did not answer within 30 s")


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
    with CpuTime() as cpu:
        result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    out_file.write_text(result.stdout + result.stderr)
    match = re.search(rf"^{marker} (.*)$", result.stdout, re.M)
    if not match:
        raise SystemExit(f"wrk gave no result; see {out_file}")
    requests, duration, p50, p99, *errors = (int(x) for x in match.group(1).split())
    return {"rps": requests / (duration / 1e6), "p50": p50 / 1000, "p99": p99 / 1000, "errors": sum(errors),
            "requests": requests, "cpu_ms": {name: 1000 * seconds / max(requests, 1)
                                             for name, seconds in cpu.seconds.items()}}


class CpuTime:
    """The CPU seconds the machine's processes used while the block ran, by kind (``gunicorn``, ``postgres``,
    ``redis``, ``wrk``, ``other``), read from ``/proc/<pid>/stat`` every 0.2 s (a process that ends between two
    reads loses its last 0.2 s; the servers' processes outlive the block). Linux only; empty elsewhere."""

    KINDS = (("gunicorn", "gunicorn"), ("postgres", "postgres"), ("redis-server", "redis"), ("wrk", "wrk"))

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._first: dict[tuple[str, str], int] = {}
        self._last: dict[tuple[str, str], tuple[str, int]] = {}
        self._done = None

    def _read(self):
        for pid, text, cmdline in processes():
            command = cmdline.decode(errors="replace")
            fields = text[text.rindex(")") + 2:].split()
            key, ticks = (pid, fields[19]), int(fields[11]) + int(fields[12])  # (pid, start time), user + system
            name = text[text.index("(") + 1:text.rindex(")")]
            kind = next((kind for mark, kind in self.KINDS if mark in command or name.startswith(mark)), "other")
            self._first.setdefault(key, ticks if self._done is None else 0)
            self._last[key] = (kind, ticks)

    def __enter__(self):
        import threading

        if not os.path.isdir("/proc/self"):
            return self
        self._read()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._done.wait(0.2):
            self._read()

    def __exit__(self, *exc):
        if self._done is None:
            return
        self._done.set()
        self._thread.join()
        self._read()
        hertz = os.sysconf("SC_CLK_TCK")
        for key, (kind, ticks) in self._last.items():
            self.seconds[kind] = self.seconds.get(kind, 0) + (ticks - self._first[key]) / hertz


def run_baseline(out: Path, seconds: int, endpoints: str, *, port: int | None = None,
                 database: str | None = None) -> dict:
    """../shared/bench/baseline/run.sh with our server settings (sync, 2 workers, c16); {endpoint: req/s}."""
    env = dict(os.environ, LIMIT_CLASSES="sync", LIMIT_CONCURRENCIES=str(CONNECTIONS), LIMIT_DURATION=f"{seconds}s",
               LIMIT_ENDPOINTS=endpoints, LIMIT_OUT=str(out / "baseline"))
    out.mkdir(parents=True, exist_ok=True)
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


BASELINE_VENV = Path(os.environ.get("LIMIT_VENV", "/tmp/limit-venv"))
BASELINE_ITEMS, BASELINE_OWNERS = "500000", "5000"  # its run.sh's data set: wrk.lua's arguments


def prepare_baseline(out: Path, *, port: int, database: str) -> None:
    """The baseline's own run.sh, shortened to one second of ``plain``: it makes its virtualenv (its pins), its
    database and its 500,000 rows exactly as it does for a full run; ``start_baseline`` then serves it."""
    env = dict(os.environ, LIMIT_CLASSES="sync", LIMIT_CONCURRENCIES=str(CONNECTIONS), LIMIT_DURATION="1s",
               LIMIT_WARMUP="1s", LIMIT_ENDPOINTS="plain", LIMIT_OUT=str(out / "baseline-prepare"),
               LIMIT_PORT=str(port), LIMIT_DB=database)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "baseline-prepare.log", "w") as log_file:
        subprocess.run(["bash", str(BASELINE / "run.sh")], cwd=ROOT, env=env, check=True, timeout=900,
                       stdout=log_file, stderr=subprocess.STDOUT)


def start_baseline(out: Path, *, port: int, database: str) -> subprocess.Popen:
    """The baseline's server as its run.sh starts it (gunicorn, 2 sync workers, the same flags), kept running so
    that its figures can be taken in turn with ours; ``prepare_baseline`` first."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="limitproj.settings", PYTHONDONTWRITEBYTECODE="1",
               LIMIT_DB=database)
    process = subprocess.Popen(
        [str(BASELINE_VENV / "bin" / "gunicorn"), "limitproj.wsgi:application", "--chdir", str(BASELINE),
         "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--worker-class", "sync", "--backlog", "2048",
         "--timeout", "30", "--graceful-timeout", "5", "--log-level", "warning",
         "--error-logfile", str(out / "gunicorn-baseline.log")],
        cwd=BASELINE, env=env, start_new_session=True,
    )
    return _answering(process, f"http://127.0.0.1:{port}/plain", "the baseline's gunicorn",
                      out / "gunicorn-baseline.log")


def run_baseline_wrk(endpoint: str, seconds: int, out_file: Path, *, port: int) -> dict:
    """One of the baseline's figures with its own wrk.lua (as its run.sh drives it), against ``start_baseline``."""
    return run_wrk(BASELINE / "wrk.lua", f"http://127.0.0.1:{port}/", seconds,
                   [endpoint, BASELINE_ITEMS, BASELINE_OWNERS], out_file, marker="LIMITRESULT")


def combine(slices: list[dict]) -> dict:
    """Several wrk runs of one figure as one: requests over their summed time, the slowest p99, CPU ms a request
    over all of them."""
    requests = sum(part["requests"] for part in slices)
    seconds = sum(part["requests"] / part["rps"] for part in slices if part["rps"])
    cpu: dict[str, float] = {}
    for part in slices:
        for kind, ms in part.get("cpu_ms", {}).items():
            cpu[kind] = cpu.get(kind, 0.0) + ms * part["requests"]
    return {"rps": requests / seconds if seconds else 0.0, "p99": max(part["p99"] for part in slices),
            "p50": median([part["p50"] for part in slices]), "errors": sum(part["errors"] for part in slices),
            "requests": requests, "cpu_ms": {kind: total / max(requests, 1) for kind, total in cpu.items()}}


def ratio_row(label: str, figures: dict, endpoint: str | None, base: float | None, goal: float | None, *,
              spread: tuple[float, float] | None = None) -> str:
    """One line of the table: figure, ours, p99, baseline, ratio, goal. With ``spread`` (the rush: figures taken in
    pairs with the baseline's) the lowest and highest ratio of one pair, and a column of CPU ms a request."""
    ours = f"{figures['rps']:,.0f} | {figures['p99']:.1f}"
    if spread is not None:
        ours += f" | {cpu_text(figures.get('cpu_ms', {}), top=2)}"
    if not base:
        goal_text = "–" if goal is None else f"≥ {goal} × {endpoint}"
        return f"| {label} | {ours} | – | – | {goal_text} |" + (" – |" if spread is not None else "")
    ratio = figures["rps"] / base
    goal_text = "–" if goal is None else f"≥ {goal} × {endpoint}" + (" ✓" if ratio >= goal else " ✗")
    row = f"| {label} | {ours} | {endpoint} {base:,.0f} | {ratio:.2f} | {goal_text} |"
    return row + (f" {spread[0]:.2f}–{spread[1]:.2f} |" if spread is not None else "")


def cpu_text(cpu_ms: dict, *, top: int | None = None) -> str:
    """``gunicorn 2.10, postgres 0.50, …``: CPU ms a request by kind of process, the largest first."""
    kinds = sorted(cpu_ms.items(), key=lambda item: -item[1])[:top]
    return ", ".join(f"{kind} {ms:.2f}" for kind, ms in kinds)


# every table, index and TOAST table of the database's own schemas (the catalog is small and read all the time)
_RELATIONS = ("SELECT c.oid FROM pg_class c WHERE c.relkind IN ('r', 'i', 't', 'm') AND c.relpersistence = 'p' "
              "AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)")


def in_memory(database_url: str) -> str:
    """Read every relation of the database into the operating system's cache (``pg_prewarm``'s ``read`` mode), as a
    production database server's memory holds its working set: on this kind of virtual machine the page cache is
    given back to the host within minutes (virtio_balloon), so that the random rows of a figure were read from disk
    in one run and from memory in the next (the first views 0.10 and 0.37 of the read). Answers what it did; when
    ``pg_prewarm`` cannot be had (not a superuser, the contrib package missing) nothing is read and it says so."""
    import psycopg

    started = time.monotonic()
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            blocks = conn.execute(f"SELECT coalesce(sum(pg_prewarm(oid, 'read')), 0) FROM ({_RELATIONS}) r").fetchone()[0]
            size = conn.execute("SELECT current_setting('block_size')::int").fetchone()[0]
    except psycopg.Error as exc:
        return f"not read into memory ({type(exc).__name__}: {str(exc).strip().splitlines()[0]})"
    return f"{blocks * size / 2**20:,.0f} MB read into memory in {time.monotonic() - started:.1f} s"


def database_url_of(database_url: str, name: str) -> str:
    """The URL of the database ``name`` on the server of ``database_url``."""
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(database_url)._replace(path=f"/{name}"))


def quiet(*, idle: float = 0.9, seconds: float = 1.0, limit: float = 60.0) -> str:
    """Wait (at most ``limit`` s) until no autovacuum worker runs and the CPUs were ``idle`` for ``seconds``, so that
    a figure does not meet what the one before left behind (autovacuum after the data set or the submits, PostgreSQL
    writing out). Answers what it waited for."""
    started = time.monotonic()
    waited_for = []
    while time.monotonic() - started < limit:
        vacuums = _autovacuum_workers()
        if vacuums:
            waited_for.append("autovacuum")
            time.sleep(1)
            continue
        share = _idle_share(seconds)
        if share >= idle:
            break
        waited_for.append("CPU")
    took = time.monotonic() - started
    what = "、".join(dict.fromkeys(waited_for)) or "nothing"
    return f"quiet after {took:.1f} s (waited for {what}); {load_average()}"


def _idle_share(seconds: float) -> float:
    def read():
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return values[3] + values[4], sum(values)  # idle + iowait, all

    if not os.path.exists("/proc/stat"):
        time.sleep(seconds)
        return 1.0
    idle_before, all_before = read()
    time.sleep(seconds)
    idle_after, all_after = read()
    return (idle_after - idle_before) / max(all_after - all_before, 1)


def _autovacuum_workers() -> int:
    """Autovacuum workers running on the machine (by PostgreSQL's process titles); 0 when none or unknown."""
    return sum(title.startswith(b"postgres: ") and b"autovacuum worker" in title for _, _, title in processes())


def cpu_seconds(pid) -> float:
    """The user and system CPU seconds the process ``pid`` has used, from ``/proc/<pid>/stat`` (0.0 where it cannot
    be read: no /proc, or a database on another machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def processes():
    """The machine's processes as ``(pid, /proc/<pid>/stat, /proc/<pid>/cmdline as bytes)``; none without /proc
    (one that ends while it is read is left out)."""
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as stat:
                text = stat.read()
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                yield pid, text, cmdline.read()
        except OSError:
            continue


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
