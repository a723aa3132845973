"""The deadline rush: the site as in production under wrk over 500,000 declarations, beside the baseline.

    bash bench/rush/run.sh             # from a fresh clone (installs .venv, then runs this)
    .venv/bin/python bench/rush/run.py [--pairs 5] [--duration 3] [--rebuild] [--no-baseline] [--pages submit,detail]
    .venv/bin/python bench/rush/run.py --only-sweep [--sweep-declarations 20000] [--sweep-today 2027-07-31]

1. creates the PostgreSQL database ``bench_rush`` (BENCH_RUSH_DATABASE_URL; ``--rebuild`` drops it first),
   migrates, loads the demo and the data set set-based (dataset.py: 500,000 declarations, made once and
   kept), makes this run's drafts (one fresh applicant each) and their sessions, draws the declarations of the
   first views (first.txt), forgets the pages an earlier run kept in Redis, collects static files;
2. starts gunicorn as in production (2 sync workers, DEBUG off, kept connections, sessions and cache on
   Redis BENCH_RUSH_REDIS_URL) on 127.0.0.1:BENCH_RUSH_PORT;
3. prepares the baseline with its own ../shared/bench/baseline/run.sh (its virtualenv, database and data; one
   second of ``plain``), then serves it as that script does (gunicorn, 2 sync workers, same flags) beside ours;
4. smoke-tests, then takes each figure in turn with its baseline's (the machine's speed drifts by tens of per cent
   within minutes, so a figure and its baseline taken minutes apart are not comparable): after both databases
   are read into the operating system's cache (``harness.in_memory``: pg_prewarm), a 2 s warm-up of
   each and a wait for a quiet machine (no autovacuum, CPUs idle), ``--pairs`` slices of ``--duration`` s with
   wrk -t2 -c16, each of ours followed by one of the baseline's endpoint: submit (each request a real submit of a
   distinct draft) against ``write``, the handler's and the bureau's queue against ``list``, a declaration's page
   seen before (the handler: every page of the unit viewed once before the warm-up, so each is kept, then one at
   random), a declaration's page at its first view (the bureau's reviewer: each request a declaration of another
   unit, each once, so each page is made and kept) and the public certificate verification against ``read``;
   The verification (signed out, a random link of 1,000 bench certificates) comes, as in production, through a
   proxy (127.0.0.1 is a trusted proxy) from many client addresses (X-Forwarded-For 10.x.y.z), each far below
   its rate limit (CERTIFICATE_VERIFY_RATE): the limit's Redis round trip is measured, never its 429;
   for each: req/s over the slices, p99, the CPU ms a request of each kind of process (gunicorn, PostgreSQL,
   Redis, wrk; from /proc), the ratio, and the lowest and highest ratio of one pair of slices;
5. stops both servers; times the deadline sweeps over 1,000,000 declarations: the data set of the sweeps,
   ``bench_rush_sweeps`` (BENCH_RUSH_SWEEP_DATABASE_URL; dataset.py with ``--sweep-declarations`` 1,000,000
   over ``--sweep-years`` 10: ten years of 100,000 declarations, this year's spread over the review chain as
   in the rush's; made once and kept, like ``bench_rush``), copied for the run (``CREATE DATABASE …
   TEMPLATE``, so it stays as it is): ``manage.py run_deadlines --today <--sweep-today>`` (default 07-31 of
   next year, when ``terminate_unfinished`` ends every declaration this year left unfinished), each sweep
   committed with its after-commit outbox sends; the figure is the sweeps' own time as the command prints it
   (as beat's task runs them in a running worker), the command's with Django's start beside it; then
   ``verify_events`` on the copy, which is dropped; ``--only-sweep`` does only this, no server, wrk or
   baseline. Last, so that no figure meets PostgreSQL writing out the sweep's 600 MB.
Everything is kept in var/bench-rush/<UTC time>/.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench import harness  # noqa: E402

HERE = Path(__file__).resolve().parent
PORT = int(os.environ.get("BENCH_RUSH_PORT", "8131"))
BASELINE_PORT = int(os.environ.get("BENCH_RUSH_BASELINE_PORT", str(PORT + 1)))
BASE_URL = f"http://127.0.0.1:{PORT}"
DATABASE_URL = os.environ.get("BENCH_RUSH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_rush")
SWEEP_DATABASE_URL = os.environ.get("BENCH_RUSH_SWEEP_DATABASE_URL", f"{DATABASE_URL}_sweeps")
REDIS_URL = os.environ.get("BENCH_RUSH_REDIS_URL", "redis://127.0.0.1:6379/4")
BASELINE_DB = os.environ.get("BENCH_RUSH_BASELINE_DB", "bench_rush_limit")
CSRF = "benchrushcsrftoken0123456789abcd"  # any 32 characters: the cookie and the header must agree

# figure: (label, the baseline endpoint it compares with, the goal as a ratio)
FIGURES = {
    "submit": ("submit POST …/actions/submit/ (distinct drafts)", "write", 0.5),
    "handler_queue": ("handler's queue /reviews/?page=1..5", "list", 0.5),
    "bureau_queue": ("bureau's queue /reviews/?page=1..5 (all declarations)", "list", 0.5),
    "detail": ("declaration page /declarations/<id>/, seen before (handler)", "read", 0.5),
    "detail_first": ("declaration page, first view (bureau reviewer)", "read", 0.5),
    "verify": ("certificate verification /verify/…", "read", None),
}


def log(message):
    harness.log("rush", message)


def prepare(env, out: Path, args) -> dict:
    python = sys.executable
    if harness.create_database(DATABASE_URL, drop=args.rebuild):
        log("created the database")
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    # far more than 2 workers submit in the time: the warm-up, then every slice
    drafts = args.drafts or 12 * 200 + (args.pairs * args.duration + 2) * 400
    # each page of the first views' figure viewed once: more than 1,000 a second
    first_views = (args.pairs * args.duration + 2) * 1250 + 1
    subprocess.run([python, str(HERE / "dataset.py"), "--declarations", str(args.declarations), "--drafts",
                    str(drafts), "--first-views", str(first_views), "--out", str(out)], cwd=ROOT, env=env, check=True)
    forget_kept_pages()
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    split(out, "drafts", args.pairs)
    split(out, "first", args.pairs)
    staff = dict(line.split() for line in (out / "staff.txt").read_text().splitlines() if line)
    verify = verification_paths(out)
    return {"staff": staff, "verify": verify}


def split(out: Path, name: str, pairs: int) -> None:
    """``<name>.txt`` in parts that no two runs share: one line for the smoke test (``-smoke``), a fifth for the
    warm-up, the rest in ``pairs`` slices (``-run1`` …)."""
    lines = [line for line in (out / f"{name}.txt").read_text().split("\n") if line]
    (out / f"{name}-smoke.txt").write_text(lines[0] + "\n")
    warmup, rest = lines[1:1 + len(lines) // 5], lines[1 + len(lines) // 5:]
    (out / f"{name}-warmup.txt").write_text("\n".join(warmup) + "\n")
    size = len(rest) // pairs
    for k in range(1, pairs + 1):
        (out / f"{name}-run{k}.txt").write_text("\n".join(rest[(k - 1) * size:k * size]) + "\n")


def forget_kept_pages(viewer_id: int | None = None) -> None:
    """Every run starts with no page kept (``config.fragments``), so that its figures do not depend on what an
    earlier run left in the bench's Redis; ``viewer_id``: only the declarations' pages kept for that viewer."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    pattern = "*zc:html:*" if viewer_id is None else f"*zc:html:declaration:*:{viewer_id}"
    for keys in _batched(client.scan_iter(match=pattern, count=1000), 1000):
        client.delete(*keys)


def _batched(iterable, n):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def view_every_page(out: Path, session: str) -> None:
    """The handler views each page of detail.txt once (16 at a time, as wrk's connections), so that every page the
    figure asks for has been made and kept, as it is for a page seen before; each must answer 200."""
    from concurrent.futures import ThreadPoolExecutor

    ids = (out / "detail.txt").read_text().split()
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda pk: request(f"/declarations/{pk}/", session=session), ids))
    refused = [status for status in statuses if status != 200]
    if refused:
        raise SystemExit(f"viewing every page: {len(refused)} of {len(ids)} did not answer 200 ({refused[0]})")


def rates(slices: list[dict]) -> str:
    return ", ".join(f"{part['rps']:.0f}" for part in slices)


def verification_paths(out: Path) -> bool:
    """Whether dataset.py wrote the public verification links of its issued certificates (verify.txt)."""
    path = out / "verify.txt"
    return path.exists() and bool(path.read_text().split())


def request(path, *, method="GET", session=None, body=None) -> int:
    headers = {"Cookie": f"csrftoken={CSRF}" + (f"; {session}" if session else ""),  # session: its cookies
               "X-CSRFToken": CSRF, "Content-Type": "application/json"}
    req = urllib.request.Request(BASE_URL + path, method=method, data=body, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def smoke(modes, out: Path, facts: dict):
    """Every figure answers 200 before it is measured (a redirect to the sign-in or an error page would
    flatter it): one real submit, both queues, a declaration's page."""
    draft_id, key = (out / "drafts-smoke.txt").read_text().split()
    checks = {
        "submit": lambda: request(f"/api/v1/declarations/{draft_id}/actions/submit/", method="POST", session=key,
                                  body=b'{"pledge": true}'),
        "handler_queue": lambda: request("/reviews/?page=5", session=facts["staff"]["handler"]),
        "bureau_queue": lambda: request("/reviews/?page=5", session=facts["staff"]["bureau"]),
        "detail": lambda: request(f"/declarations/{(out / 'detail.txt').read_text().split()[-1]}/",
                                  session=facts["staff"]["handler"]),
        "detail_first": lambda: request(f"/declarations/{(out / 'first-smoke.txt').read_text().split()[0]}/",
                                        session=facts["staff"]["bureau"]),
        "verify": lambda: request((out / "verify.txt").read_text().split()[0]),
    }
    for mode in modes:
        status = checks[mode]()
        if status != 200:
            raise SystemExit(f"smoke test failed: {mode} answered {status}; see {out / 'gunicorn.log'}")


def wrk_args(mode, out: Path, facts: dict, part: str) -> list[str]:
    if mode == "submit":
        return [mode, CSRF, "-", str(out / f"drafts-{part}.txt"), "2"]
    if mode == "verify":
        return [mode, CSRF, "-", str(out / "verify.txt")]
    if mode == "detail_first":
        return ["walk", CSRF, facts["staff"]["bureau"], str(out / f"first-{part}.txt"), "2"]
    session = facts["staff"]["bureau" if mode == "bureau_queue" else "handler"]
    return [mode, CSRF, session, str(out / "detail.txt") if mode == "detail" else "-"]


def prepare_sweeps(env, args) -> dict:
    """The sweeps' data set (made once, kept): migrated, then dataset.py's declarations over the years."""
    sweep_env = {**env, "DATABASE_URL": SWEEP_DATABASE_URL}
    if harness.create_database(SWEEP_DATABASE_URL, drop=args.rebuild):
        log(f"created {SWEEP_DATABASE_URL.rsplit('/', 1)[-1]}")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=sweep_env, check=True)
    subprocess.run([sys.executable, str(HERE / "dataset.py"), "--declarations", str(args.sweep_declarations),
                    "--years", str(args.sweep_years), "--certificates", "0"], cwd=ROOT, env=sweep_env, check=True)
    return sweep_env


def sweep(env, out: Path, day: str) -> str:
    """The deadline sweeps over a copy of the sweeps' data set (committed, as beat runs them), timed."""
    import psycopg

    python = sys.executable
    name, admin_url = harness._admin_url(env["DATABASE_URL"])
    copy = f"{name}_run"
    copy_url = harness.database_url_of(env["DATABASE_URL"], copy)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        started = time.monotonic()
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
        log(f"copied the sweeps' data set to {copy} in {time.monotonic() - started:.1f} s")
    with psycopg.connect(copy_url, autocommit=True) as conn:
        rows = conn.execute("SELECT count(*) FROM declarations_declaration").fetchone()[0]
        conn.execute("CHECKPOINT")  # the copy's pages written out before the clock starts, not during the sweep
    log(f"{copy}: {harness.in_memory(copy_url)}")  # as a production server's memory holds it (harness.in_memory)
    sweep_env = {**env, "DATABASE_URL": copy_url}
    try:
        with open(out / "sweep.log", "w") as log_file:
            started = time.monotonic()
            try:
                result = subprocess.run([python, "manage.py", "run_deadlines", "--today", day], cwd=ROOT,
                                        env=sweep_env, stdout=log_file, stderr=subprocess.STDOUT, timeout=600)
            except subprocess.TimeoutExpired:
                return f"run_deadlines --today {day}: stopped after 600 s (goal < 10 s)"
            seconds = time.monotonic() - started
        moved = [line.strip() for line in (out / "sweep.log").read_text().splitlines() if line.startswith("- ")
                 and "无变化" not in line]
        verified = subprocess.run([python, "manage.py", "verify_events"], cwd=ROOT, env=sweep_env,
                                  capture_output=True, text=True)
        chain = "event chain whole" if verified.returncode == 0 else f"event chain BROKEN: {verified.stderr.strip()}"
        # the sweeps' own time, each committed (what beat's task takes in a running worker), and the command's
        total = re.search(r"^合计用时 (\d+\.\d+) 秒$", (out / "sweep.log").read_text(), re.M)
        swept = float(total.group(1)) if total else seconds
        return (f"run_deadlines --today {day} over {rows:,} declarations: exit {result.returncode}, the sweeps "
                f"{swept:.1f} s (goal < 10 s{' ✓' if swept < 10 else ' ✗'}; the command with Django's start "
                f"{seconds:.1f} s); " + ("; ".join(moved) or "nothing to do") + f"; verify_events: {chain}")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        _drop_sent_messages()


def _drop_sent_messages() -> None:
    """The sweep's outbox messages went to the broker after its commit; no worker runs here, and the copy
    they point into is gone: drop them from the bench's Redis (its default queue)."""
    import redis

    redis.Redis.from_url(REDIS_URL).delete("celery")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=3, help="seconds of one slice")
    parser.add_argument("--rebuild", action="store_true",
                        help="drop bench_rush and bench_rush_sweeps and build the data sets again")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--pairs", type=int, default=5,
                        help="slices of --duration s of each figure, each followed by one of its baseline's")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--only-sweep", action="store_true", help="only the data set and the deadline sweep")
    parser.add_argument("--sweep-today", default=f"{time.gmtime().tm_year + 1}-07-31",
                        help="the day the sweeps run for (default: 07-31 of next year, terminate_unfinished)")
    parser.add_argument("--pages", default=",".join(FIGURES))
    parser.add_argument("--declarations", type=int, default=int(os.environ.get("BENCH_RUSH_DECLARATIONS", 500_000)))
    parser.add_argument("--drafts", type=int, default=0, help="drafts made for this run (default: enough)")
    parser.add_argument("--sweep-declarations", type=int, default=1_000_000, help="the sweeps' data set")
    parser.add_argument("--sweep-years", type=int, default=10, help="… over this many years (one plan a year)")
    args = parser.parse_args()
    out = ROOT / "var" / "bench-rush" / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out.mkdir(parents=True, exist_ok=True)
    env = harness.site_env(DATABASE_URL, REDIS_URL, ROOT / "var" / "bench-static")
    env["TRUSTED_PROXIES"] = "127.0.0.1"  # wrk stands for the proxy in front of the public verification
    started = time.monotonic()
    if args.only_sweep:
        log(f"preparing {SWEEP_DATABASE_URL.rsplit('/', 1)[-1]} (migrate, data set); {harness.load_average()}")
        line = sweep(prepare_sweeps(env, args), out, args.sweep_today)
        log(f"sweep: {line}")
        (out / "table.md").write_text(f"deadline sweep: {line}\n{os.cpu_count()} CPUs; {harness.load_average()}\n")
        print(f"deadline sweep: {line}\n{os.cpu_count()} CPUs; {harness.load_average()} at the end")
        log(f"done in {time.monotonic() - started:.0f} s; raw output in {out}")
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: sudo apt-get install wrk (or use bench/rush/run.sh)")
    log(f"preparing bench_rush (migrate, data set, drafts, sessions, collectstatic); {harness.load_average()}")
    facts = prepare(env, out, args)
    modes = [m for m in args.pages.split(",") if m != "verify" or facts["verify"]]
    if "verify" in args.pages.split(",") and not facts["verify"]:
        log("verify: skipped (the data set wrote no verify.txt)")
    gunicorn = limit = None
    ours, baseline, spreads = {}, {}, {}
    try:
        if not args.no_baseline:
            log("preparing the baseline (../shared/bench/baseline/run.sh: its virtualenv, database and data)")
            harness.prepare_baseline(out, port=BASELINE_PORT, database=BASELINE_DB)
            limit = harness.start_baseline(out, port=BASELINE_PORT, database=BASELINE_DB)
        gunicorn = harness.start_gunicorn(env, out, PORT)
        smoke(modes, out, facts)
        for mode in modes:
            endpoint = FIGURES[mode][1]
            if mode == "detail":
                view_every_page(out, facts["staff"]["handler"])
            # before each figure, as the page cache drains between them: ours, and the baseline's the same way
            log(f"{mode}: {harness._admin_url(DATABASE_URL)[0]} {harness.in_memory(DATABASE_URL)}"
                + (f"; {BASELINE_DB} {harness.in_memory(harness.database_url_of(DATABASE_URL, BASELINE_DB))}"
                   if limit else ""))
            harness.run_wrk(HERE / "wrk.lua", f"{BASE_URL}/", 2, wrk_args(mode, out, facts, "warmup"),
                            out / f"warmup-{mode}.txt", marker="RUSHRESULT")
            if limit:
                harness.run_baseline_wrk(endpoint, 2, out / f"warmup-{mode}-baseline.txt", port=BASELINE_PORT)
            log(f"{mode}: {harness.quiet()}")
            # the machine's speed drifts by tens of per cent within minutes: ours and the baseline's in turn, in
            # slices of --duration s, so that both meet the same machine
            slices, base_slices = [], []
            for k in range(1, args.pairs + 1):
                slices.append(harness.run_wrk(HERE / "wrk.lua", f"{BASE_URL}/", args.duration,
                                              wrk_args(mode, out, facts, f"run{k}"), out / f"wrk-{mode}-{k}.txt",
                                              marker="RUSHRESULT"))
                if limit:
                    base_slices.append(harness.run_baseline_wrk(endpoint, args.duration,
                                                                out / f"wrk-{mode}-{k}-baseline-{endpoint}.txt",
                                                                port=BASELINE_PORT))
            ours[mode] = harness.combine(slices)
            text = (f"{mode}: {ours[mode]['rps']:.0f} req/s (slices {rates(slices)}; "
                    f"p99 {ours[mode]['p99']:.1f} ms, errors {ours[mode]['errors']}); CPU ms a request: "
                    f"{harness.cpu_text(ours[mode]['cpu_ms'])}")
            if base_slices:
                baseline[mode] = harness.combine(base_slices)
                ratios = [a["rps"] / b["rps"] for a, b in zip(slices, base_slices, strict=True) if b["rps"]]
                spreads[mode] = (min(ratios), max(ratios))
                text += (f"; baseline {endpoint} {baseline[mode]['rps']:.0f} req/s (slices "
                         f"{rates(base_slices)}); CPU ms a request: "
                         f"{harness.cpu_text(baseline[mode]['cpu_ms'])}")
            log(text)
    finally:
        harness.stop(gunicorn)
        harness.stop(limit)
    # the sweeps last: PostgreSQL writes their 600 MB out for a while after, which no figure above should meet
    if args.no_sweep:
        sweep_line = "skipped (--no-sweep)"
    else:
        log(f"preparing {SWEEP_DATABASE_URL.rsplit('/', 1)[-1]} (migrate, the sweeps' data set); "
            f"{harness.load_average()}")
        sweep_line = sweep(prepare_sweeps(env, args), out, args.sweep_today)
    log(f"sweep: {sweep_line}")
    lines = [f"Each figure and its baseline taken in turn, {args.pairs} slices of {args.duration} s each "
             "(req/s over all slices; the lowest and highest ratio of one pair of slices in the last column)",
             "",
             "| figure | ours req/s | p99 ms | CPU ms a request | baseline req/s | ratio | goal | ratio of a pair |",
             "| --- | ---: | ---: | --- | --- | ---: | --- | --- |"]
    for mode, figures in ours.items():
        label, endpoint, goal = FIGURES[mode]
        if figures["errors"]:
            label += f" ({figures['errors']} errors)"
        lines.append(harness.ratio_row(label, figures, endpoint, baseline[mode]["rps"] if mode in baseline else None,
                                       goal, spread=spreads.get(mode, (0.0, 0.0))))
    lines.append(f"\ndeadline sweep: {sweep_line}")
    lines.append(f"{os.cpu_count()} CPUs; {harness.load_average()} at the end (other processes share the CPUs: "
                 "compare within one run)")
    table = "\n".join(lines)
    (out / "table.md").write_text(table + "\n")
    (out / "figures.json").write_text(json.dumps({"ours": ours, "baseline": baseline}, indent=2))
    print(table)
    log(f"done in {time.monotonic() - started:.0f} s; raw output in {out}")


if __name__ == "__main__":
    main()
