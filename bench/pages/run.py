"""The page benchmark: the site as in production under wrk, beside the bare-Django baseline.

    bash bench/pages/run.sh            # from a fresh clone (installs .venv, then runs this)
    .venv/bin/python bench/pages/run.py [--duration 10] [--no-baseline] [--pages detail,list]

1. creates the PostgreSQL database ``bench_pages`` (BENCH_DATABASE_URL) if missing, migrates, loads the
   demo and 100,000 published plans set-based (dataset.py), collects static files;
2. starts gunicorn as in production (2 sync workers, DEBUG off, persistent connections, sessions on
   Redis BENCH_REDIS_URL) on 127.0.0.1, signs in as the demo applicant over HTTP;
3. drives each page with wrk -t2 -c16 (2 s warm-up, then --duration s) on 127.0.0.1;
4. stops gunicorn by its PID, runs ../shared/bench/baseline/run.sh (sync, c16) right after, and
   prints page, ours req/s, baseline req/s, ratio; everything is kept in var/bench-pages/<UTC time>/.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("BENCH_SHARED", ROOT.parent / "shared"))  # ../shared beside the repository
BASELINE = SHARED / "bench" / "baseline"
CASE = SHARED / "cases" / "eligibility" / "p01_regular_ok.json"
PORT = int(os.environ.get("BENCH_PORT", "8770"))
BASE_URL = f"http://127.0.0.1:{PORT}"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_pages")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
PLANS = int(os.environ.get("BENCH_PLANS", "100000"))

# page: (what the issue calls it, the baseline endpoint it compares with, the goal as a ratio)
PAGES = {
    "detail": ("plan detail /titles/plans/<id>/", "read", 0.5),
    "list": ("plan list /titles/plans/?page=1..5 (20 rows)", "list", 0.5),
    "api_list": ("API list /api/v1/plans/?page=1..5 (20 rows)", "list", 0.5),
    "eligibility": ("POST /api/v1/eligibility/check", "plain", None),
    "catalogue": ("catalogue /titles/catalogue/", "read", None),
}


def log(message):
    print(f"[bench/pages {time.strftime('%H:%M:%S')}] {message}", flush=True)


def load_average() -> str:
    return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())


def site_env() -> dict:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "DEBUG": "false", "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "bench-pages-only-not-a-production-secret-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    })
    return env


def create_database():
    import psycopg

    parts = urllib.parse.urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def prepare(env):
    python = sys.executable
    create_database()
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, str(HERE / "dataset.py"), "--plans", str(PLANS)], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def start_gunicorn(env, out: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{PORT}", "--workers", "2",
         "--worker-class", "sync", "--error-logfile", str(out / "gunicorn.log"), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {out / 'gunicorn.log'}")
        try:
            urllib.request.urlopen(f"{BASE_URL}/accounts/login/", timeout=2)
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


def sign_in() -> tuple[str, str]:
    """Sign in as the demo applicant through the login form; return (Cookie header, CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{BASE_URL}/accounts/login/", timeout=10).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode({"username": "applicant", "password": "zhicheng-demo-2026",
                                   "csrfmiddlewaretoken": csrf}).encode()
    request = urllib.request.Request(f"{BASE_URL}/accounts/login/", data=data,
                                     headers={"Referer": f"{BASE_URL}/accounts/login/"})
    opener.open(request, timeout=10).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit("sign-in as applicant failed (no session cookie)")
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies["csrftoken"]


SMOKE = {"detail": ("GET", "/titles/plans/{max_plan}/"), "list": ("GET", "/titles/plans/?page=5"),
         "api_list": ("GET", "/api/v1/plans/?page=5"), "catalogue": ("GET", "/titles/catalogue/"),
         "eligibility": ("POST", "/api/v1/eligibility/check")}


def smoke(modes, cookie, csrf, max_plan):
    """Every page answers 200 before it is measured (a fast error page would flatter the figures)."""
    for mode in modes:
        method, path = SMOKE[mode]
        path = path.format(max_plan=max_plan)
        request = urllib.request.Request(BASE_URL + path, method=method,
                                         data=CASE.read_bytes() if method == "POST" else None,
                                         headers={"Cookie": cookie, "X-CSRFToken": csrf, "Referer": f"{BASE_URL}/",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200:
                raise SystemExit(f"smoke test failed: {method} {path} answered {response.status}")


def run_wrk(mode, seconds, cookie, csrf, max_plan, out_file: Path) -> dict:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "5s", "--latency", "-s", str(HERE / "wrk.lua"),
               f"{BASE_URL}/", "--", mode, str(max_plan), cookie, csrf, str(CASE)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    out_file.write_text(result.stdout + result.stderr)
    match = re.search(r"^PAGERESULT (.*)$", result.stdout, re.M)
    if not match:
        raise SystemExit(f"wrk gave no result for {mode}; see {out_file}")
    requests, duration, p50, p99, *errors = (int(x) for x in match.group(1).split())
    return {"rps": requests / (duration / 1e6), "p50": p50 / 1000, "p99": p99 / 1000, "errors": sum(errors)}


def run_baseline(out: Path, seconds: int) -> dict:
    env = dict(os.environ, LIMIT_CLASSES="sync", LIMIT_CONCURRENCIES="16", LIMIT_DURATION=f"{seconds}s",
               LIMIT_ENDPOINTS="plain read list", LIMIT_OUT=str(out / "baseline"))
    log("running ../shared/bench/baseline/run.sh (sync, c16) right after")
    subprocess.run(["bash", str(BASELINE / "run.sh")], cwd=ROOT, env=env, check=True, timeout=900,
                   stdout=open(out / "baseline.log", "w"), stderr=subprocess.STDOUT)
    figures = {}
    for line in (out / "baseline" / "results.tsv").read_text().splitlines()[1:]:
        endpoint, _workers, _conc, rps, *_ = line.split("\t")
        figures[endpoint] = float(rps)
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--pages", default=",".join(PAGES))
    args = parser.parse_args()
    if not CASE.exists():
        raise SystemExit(f"{CASE} is missing: clone the repository beside ../shared or set BENCH_SHARED")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: sudo apt-get install wrk (or use bench/pages/run.sh)")
    out = ROOT / "var" / "bench-pages" / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out.mkdir(parents=True, exist_ok=True)
    env = site_env()
    started = time.monotonic()
    log(f"preparing bench_pages (migrate, data set, collectstatic); {load_average()}")
    prepare(env)
    gunicorn = None
    ours = {}
    try:
        gunicorn = start_gunicorn(env, out)
        cookie, csrf = sign_in()
        max_plan = PLANS
        modes = args.pages.split(",")
        smoke(modes, cookie, csrf, max_plan)
        for mode in modes:
            run_wrk(mode, 2, cookie, csrf, max_plan, out / f"warmup-{mode}.txt")
            time.sleep(1)
            ours[mode] = run_wrk(mode, args.duration, cookie, csrf, max_plan, out / f"wrk-{mode}.txt")
            log(f"{mode}: {ours[mode]['rps']:.0f} req/s (p99 {ours[mode]['p99']:.1f} ms, errors "
                f"{ours[mode]['errors']})")
    finally:
        stop(gunicorn)
    baseline = {} if args.no_baseline else run_baseline(out, args.duration)
    lines = ["| page | ours req/s | p99 ms | baseline req/s | ratio | goal |", "| --- | ---: | ---: | --- | ---: | --- |"]
    for mode, figures in ours.items():
        label, endpoint, goal = PAGES[mode]
        base = baseline.get(endpoint)
        ratio = f"{figures['rps'] / base:.2f}" if base else "–"
        goal_text = "–" if goal is None else f"≥ {goal} × {endpoint}" + (
            "" if not base else (" ✓" if figures["rps"] / base >= goal else " ✗"))
        lines.append(f"| {label} | {figures['rps']:,.0f} | {figures['p99']:.1f} | "
                     f"{endpoint} {base:,.0f} | {ratio} | {goal_text} |" if base else
                     f"| {label} | {figures['rps']:,.0f} | {figures['p99']:.1f} | – | – | {goal_text} |")
    lines.append(f"\n{os.cpu_count()} CPUs; {load_average()} at the end (other processes share the CPUs: compare within one run)")
    table = "\n".join(lines)
    (out / "table.md").write_text(table + "\n")
    print(table)
    log(f"done in {time.monotonic() - started:.0f} s; raw output in {out}")


if __name__ == "__main__":
    main()
