"""Instructions a signed-in request costs before and around its view: the middlewares, the session, the user, DRF.

    .venv/bin/python bench/rush/fixed_cost.py [--n 200] [--kinds applicant_x,handler_detail] [--profile KIND]

Runs each kind of request ``--n`` times through the WSGI application (``config.wsgi``, DEBUG off, settings as in
production: ``harness.in_process``), each under valgrind's callgrind twice, with 0 and with ``n`` requests after
the same warm-up, and prints the difference divided by ``n``: instructions per request, which load on the machine
does not change (README.md, 速度). ``--profile KIND`` runs that kind under cProfile instead (where they go;
``--dump FILE`` keeps the profile for ``pstats``).
``--once KIND`` (what the callgrind runs call) runs the requests in this process and prints wall and CPU ms.
``--protocol-ab BLOCKS --kinds KIND`` runs KIND in this process with the prepared statements' ``EXECUTE`` over the
extended protocol and as SQL text in turn (``protocol_ab``): the worker's and PostgreSQL's CPU ms a request each way.

Every request carries what a browser carries after signing in and being shown a page: the session cookie, the
signed user hint (``accounts.middleware.USER_HINT_COOKIE``) and the CSRF cookie; the session is in Redis and in
the database as the sign-in writes it, the user's row, roles and unread count in the request cache
(``dataset._as_after_a_page``), and each kind is warmed before it is counted, so the steady path is measured:

- ``applicant_x``, ``handler_x``, ``bureau_x``: a page answering "x" (a view added for this run only, under
  ``/__bench/x``); the bureau reviewer's session has its two-factor device verified;
- ``applicant_api_x``, ``applicant_api_post_x``: the same through a DRF view (``/api/v1/__bench/x``, the
  API's authentication and permission classes), the POST with its CSRF header as the site's pages send it;
- ``handler_detail``: the handler's declaration page (``/declarations/<id>/``), the submitted declarations of
  the handler's unit in turn;
- ``bureau_first``: the bureau reviewer's first view of a declaration (``/declarations/<id>/``), each request a
  declaration of another unit than the handler's, in turn, none kept for the bureau when the run starts (as
  run.py's first views: the page made, kept and sent);
- ``applicant_submit``: the rush's submit (``POST /api/v1/declarations/<id>/actions/submit/``), each request a draft of
  its own applicant signed in as run.py signs them in (``dataset.write_sessions``); ``SUBMIT_DRAFTS`` drafts are
  made at every run, so ``--n`` plus the warm-up must stay below it.

The data set is the rush's (``bench_rush`` unless BENCH_RUSH_DATABASE_URL; Redis BENCH_RUSH_REDIS_URL); the static
files collected by run.py (``var/bench-static``; STATIC_ROOT to use another checkout's).
"""

import argparse
import gc
import io
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
import cProfile  # noqa: E402  (bench/rush/profile.py, on the path below, would hide the standard one)
import pstats  # noqa: E402

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import CSRF, DATABASE_URL, REDIS_URL, forget_kept_pages  # noqa: E402

from bench import harness  # noqa: E402

KINDS = ("applicant_x", "handler_x", "bureau_x", "applicant_api_x", "applicant_api_post_x", "handler_detail",
         "bureau_first", "applicant_submit")
FIRST_VIEWS = 2000  # bureau_first: distinct declarations, so --n plus the warm-up must stay below it
SUBMIT_DRAFTS = 1000
WARM = 30


def _prepare(kinds):
    """Django set up with the bench's views, and the requests: {kind: [environ, …]} (each kind's list is cycled;
    the drafts of ``applicant_submit`` are made only when ``kinds`` has it)."""
    harness.in_process(DATABASE_URL, REDIS_URL)
    os.environ.pop("ZC_TODAY", None)
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-production-secret-0123456789-abcdefghij")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["ZC_SERVICES_VERIFIED_BY_MASTER"] = "1"
    import django

    django.setup()
    from django.http import HttpResponse
    from django.urls import path
    from rest_framework.response import Response
    from rest_framework.views import APIView

    import config.urls

    class BenchAPI(APIView):  # the API's default authentication and permission classes
        def get(self, request):
            return Response("x")

        def post(self, request):
            return Response("x")

    config.urls.urlpatterns[:0] = [path("__bench/x", lambda request: HttpResponse("x")),
                                   path("api/v1/__bench/x", BenchAPI.as_view())]
    from importlib import import_module

    import dataset
    from django.conf import settings
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.middleware import LAST_ACTIVITY_KEY
    from accounts.models import Role, User
    from config.wsgi import application
    from declarations.models import Declaration

    handler = User.objects.get(username="handler")
    bureau = User.objects.get(username="bureau")
    applicant = (Declaration.objects.exclude(state="draft").filter(applicant__role_memberships__role=Role.APPLICANT)
                 .select_related("applicant").order_by("pk").first().applicant)
    device, _ = TOTPDevice.objects.get_or_create(user=bureau, name="bench", defaults={"confirmed": True})
    now = int(time.time())
    store = import_module(settings.SESSION_ENGINE).SessionStore
    cookies = {}
    staff = {LAST_ACTIVITY_KEY: now, "_session_expiry": 0}  # as after a page: ends when the browser closes
    for name, user, extra in (("applicant", applicant, {}), ("handler", handler, staff),
                              ("bureau", bureau, {**staff, "otp_device_id": device.persistent_id})):
        key, data = dataset._session(user, **extra)
        session = store()
        session.update(store().decode(data))
        session.create()  # as the sign-in saves it: the database and Redis
        dataset._as_after_a_page([user])
        cookies[name] = (f"csrftoken={CSRF}; sessionid={session.session_key}; "
                         + dataset._cookies(session.session_key, user.pk).split(";", 1)[1])
    employer = handler.memberships()[0].organisation_id
    ids = list(Declaration.objects.filter(employer_id=employer).exclude(state="draft")
               .order_by("pk").values_list("pk", flat=True)[:50])

    if "bureau_first" in kinds:  # every page made at its first view in this run
        forget_kept_pages(bureau.pk)
    others = list(Declaration.objects.exclude(employer_id=employer).exclude(state="draft")
                  .order_by("pk").values_list("pk", flat=True)[:FIRST_VIEWS])

    def environ(path, who, method="GET", body=b"", **extra):
        return {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1:8000",
                "REMOTE_ADDR": "127.0.0.1", "HTTP_COOKIE": cookies[who], "wsgi.url_scheme": "http",
                "HTTP_ACCEPT": "text/html,application/xhtml+xml", "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9",
                "HTTP_USER_AGENT": "Mozilla/5.0 (bench)", "wsgi.input": body, "CONTENT_LENGTH": str(len(body)),
                "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
                "wsgi.run_once": False, "wsgi.version": (1, 0), **extra}

    post = {"CONTENT_TYPE": "application/json", "HTTP_X_CSRFTOKEN": CSRF, "HTTP_ORIGIN": "http://127.0.0.1:8000",
            "HTTP_REFERER": "http://127.0.0.1:8000/"}
    requests = {
        "applicant_x": [environ("/__bench/x", "applicant")],
        "handler_x": [environ("/__bench/x", "handler")],
        "bureau_x": [environ("/__bench/x", "bureau")],
        "applicant_api_x": [environ("/api/v1/__bench/x", "applicant", HTTP_ACCEPT="application/json")],
        "applicant_api_post_x": [environ("/api/v1/__bench/x", "applicant", "POST", b"{}",
                                         HTTP_ACCEPT="application/json", **post)],
        "handler_detail": [environ(f"/declarations/{pk}/", "handler") for pk in ids],
        "bureau_first": [environ(f"/declarations/{pk}/", "bureau") for pk in others],
    }
    if "applicant_submit" in kinds:
        with tempfile.TemporaryDirectory() as folder:
            dataset.write_sessions(Path(folder), dataset.prepare_drafts(SUBMIT_DRAFTS, time.strftime("f%H%M%S")),
                                   employer)
            lines = (Path(folder) / "drafts.txt").read_text().split()
        requests["applicant_submit"] = [
            environ(f"/api/v1/declarations/{pk}/actions/submit/", "applicant", "POST", b'{"pledge": true}',
                    HTTP_ACCEPT="application/json", **post, HTTP_COOKIE=f"{cookie}; csrftoken={CSRF}")
            for pk, cookie in zip(lines[::2], lines[1::2], strict=True)]
    return application, requests


def _runner(application, environs):
    """One request a call, the environs in turn; each answer must be a 200."""
    state = {"i": 0}

    def start_response(status, headers, exc_info=None):
        state["status"] = status

    def call():
        base = environs[state["i"] % len(environs)]
        state["i"] += 1
        env = dict(base, **{"wsgi.input": io.BytesIO(base["wsgi.input"])})
        response = application(env, start_response)
        try:
            body = b"".join(response)
        finally:
            response.close()
        if not state["status"].startswith("200"):
            raise SystemExit(f"{env['PATH_INFO']}: {state['status']} {body[:300]!r}")
        return body

    return call


def once(kind: str, n: int, warm_kinds, warm: int = WARM) -> None:
    """In this process: every kind of ``warm_kinds`` warmed (``warm`` requests each), then ``n`` requests of
    ``kind``."""
    application, requests = _prepare(warm_kinds)
    runners = {name: _runner(application, requests[name]) for name in requests}
    for name in warm_kinds:
        for _ in range(warm):
            runners[name]()
    gc.collect()  # the same heap at the start of every run: a full collection is not counted in one run only
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        runners[kind]()
    if n:
        print(f"{kind}: {(time.perf_counter() - started) * 1000 / n:.3f} ms, "
              f"{(time.process_time() - cpu) * 1000 / n:.3f} CPU ms a request", file=sys.stderr)


def protocol_ab(kind: str, n: int, blocks: int) -> None:
    """In this process, ``blocks`` pairs of ``n`` requests of ``kind``, each pair once with the prepared statements'
    ``EXECUTE`` over the extended protocol (``config.prepared._executed``) and once as SQL text (``_bound`` off),
    in turn and in alternating order: the worker's CPU ms and its PostgreSQL backend's (``/proc/<pid>/stat``, 10 ms
    ticks) a request, each block's and the median, so that both ways meet the same moments of the machine."""
    application, requests = _prepare((kind,))
    call = _runner(application, requests[kind])
    for _ in range(WARM):
        call()
    from django.db import connection

    from config import prepared

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    bound, found = prepared._bound, {"protocol": [], "text": []}
    for block in range(blocks):
        for way in ("protocol", "text") if block % 2 == 0 else ("text", "protocol"):
            prepared._bound = bound if way == "protocol" else (lambda db, cursor: False)
            gc.collect()
            cpu, pg = time.process_time(), harness.cpu_seconds(backend)
            for _ in range(n):
                call()
            found[way].append(((time.process_time() - cpu) * 1000 / n, (harness.cpu_seconds(backend) - pg) * 1000 / n))
    prepared._bound = bound
    for way, blocks_found in found.items():
        worker = sorted(w for w, _ in blocks_found)
        backend_ms = sorted(b for _, b in blocks_found)
        print(f"{kind} {way}: worker {' '.join(f'{w:.2f}' for w in worker)} (median {worker[len(worker) // 2]:.2f}); "
              f"PostgreSQL {' '.join(f'{b:.2f}' for b in backend_ms)} (median {backend_ms[len(backend_ms) // 2]:.2f}) "
              f"CPU ms a request")


def profile(kind: str, n: int, dump: str | None = None) -> None:
    application, requests = _prepare((kind,))
    call = _runner(application, requests[kind])
    for _ in range(WARM):
        call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        call()
    profiler.disable()
    if dump:
        profiler.dump_stats(dump)
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
    stats.print_stats(60)
    stats.sort_stats("tottime").print_stats(40)


def instructions(args: list[str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
                        *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return int(re.search(r"^(?:summary|totals): (\d+)", out.read_text(errors="replace"), re.M).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--warm", type=int, default=WARM, help="requests of each kind before counting")
    parser.add_argument("--once", help=argparse.SUPPRESS)
    parser.add_argument("--profile", help="a kind to run under cProfile")
    parser.add_argument("--dump", help="with --profile: also write the profile to this file (pstats)")
    parser.add_argument("--protocol-ab", type=int, metavar="BLOCKS",
                        help="the first kind in BLOCKS pairs of --n requests, prepared statements over the extended "
                             "protocol and as SQL text in turn (in this process, no valgrind)")
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    if args.once:
        return once(args.once, args.n, kinds, args.warm)
    if args.profile:
        return profile(args.profile, args.n, args.dump)
    if args.protocol_ab:
        return protocol_ab(kinds[0], args.n, args.protocol_ab)
    common = ["--kinds", ",".join(kinds), "--warm", str(args.warm)]
    # once without valgrind first: modules changed since their last import are compiled here, not in a counted run
    subprocess.run([sys.executable, __file__, "--once", kinds[0], "--n", "0", *common], check=True, cwd=ROOT)
    base = instructions(["--once", kinds[0], "--n", "0", *common])
    for kind in kinds:
        total = instructions(["--once", kind, "--n", str(args.n), *common])
        print(f"{kind}: {(total - base) / args.n / 1e6:.3f} M instructions a request", flush=True)


if __name__ == "__main__":
    main()
