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
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench import harness  # noqa: E402
from bench.harness import SHARED, load_average  # noqa: E402

HERE = Path(__file__).resolve().parent
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
    harness.log("pages", message)


def site_env() -> dict:
    return harness.site_env(DATABASE_URL, REDIS_URL, ROOT / "var" / "bench-static")


def prepare(env):
    python = sys.executable
    if harness.create_database(DATABASE_URL):
        log("created the database")
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, str(HERE / "dataset.py"), "--plans", str(PLANS)], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


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
    return harness.run_wrk(HERE / "wrk.lua", f"{BASE_URL}/", seconds, [mode, str(max_plan), cookie, csrf, str(CASE)],
                           out_file, marker="PAGERESULT")


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
        gunicorn = harness.start_gunicorn(env, out, PORT)
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
        harness.stop(gunicorn)
    if not args.no_baseline:
        log("running ../shared/bench/baseline/run.sh (sync, c16) right after")
    baseline = {} if args.no_baseline else harness.run_baseline(out, args.duration, "plain read list")
    lines = ["| page | ours req/s | p99 ms | baseline req/s | ratio | goal |", "| --- | ---: | ---: | --- | ---: | --- |"]
    for mode, figures in ours.items():
        label, endpoint, goal = PAGES[mode]
        lines.append(harness.ratio_row(label, figures, endpoint, baseline.get(endpoint), goal))
    lines.append(f"\n{os.cpu_count()} CPUs; {load_average()} at the end (other processes share the CPUs: compare within one run)")
    table = "\n".join(lines)
    (out / "table.md").write_text(table + "\n")
    print(table)
    log(f"done in {time.monotonic() - started:.0f} s; raw output in {out}")


if __name__ == "__main__":
    main()
