"""Where the CPU of one page goes, layer by layer: each middleware's own share (time.process_time around
every layer of the handler chain, less the layers inside it), and, wherever they happen, the session load,
the user load, the shared-cache reads, the context processors and the template render.

    .venv/bin/python bench/pages/breakdown.py [--n 300] [--pages detail,list]

Same set-up as profile.py (DEBUG off, the configured DATABASE_URL with the bench data set, signed in as the
demo applicant, Django's test client). The figures are CPU ms per request; "of which" lines are inclusive
and already counted in the layer where they ran.
"""

import argparse
import functools
import importlib.util
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import DATABASE_URL, REDIS_URL  # noqa: E402

from bench import harness  # noqa: E402

harness.in_process(DATABASE_URL, REDIS_URL)

LAYERS: list[str] = []
TOTALS: dict[str, float] = defaultdict(float)
DEPTH = {"n": 0}


def _timed(name, function):
    @functools.wraps(function)
    def call(*args, **kwargs):
        if DEPTH.get(name):  # recursion (nested calls of one function): count the outer call only
            return function(*args, **kwargs)
        DEPTH[name] = 1
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            TOTALS[name] += time.process_time() - started
            DEPTH[name] = 0
    return call


def install():
    """Wrap every layer of the handler chain and the parts named in the docstring."""
    from django.core.handlers import base

    original = base.convert_exception_to_response

    def convert(get_response):
        name = getattr(get_response, "__qualname__", None) or type(get_response).__name__
        LAYERS.append(name)
        return _timed(name, original(get_response))

    base.convert_exception_to_response = convert

    import importlib

    import django.contrib.auth as auth
    import django.contrib.auth.middleware as auth_middleware
    import django.template.response  # noqa: F401
    from django.conf import settings
    from django.contrib.sessions.backends import cached_db, db
    from django.template import context as template_context
    from django.template.backends import django as django_backend

    from accounts import middleware as accounts_middleware
    from accounts import request_cache

    cached_db.SessionStore.load = _timed("· session load", cached_db.SessionStore.load)
    db.SessionStore.load = _timed("· session load (database)", db.SessionStore.load)
    session_engine = importlib.import_module(settings.SESSION_ENGINE)
    if hasattr(session_engine.SessionStore, "load_with"):
        session_engine.SessionStore.load_with = _timed("· session and user read together (load_with)",
                                                       session_engine.SessionStore.load_with)
    auth_middleware.auth.get_user = _timed("· user load (auth.get_user)", auth.get_user)
    if hasattr(accounts_middleware, "get_user"):
        accounts_middleware.get_user = _timed("· user load (accounts.middleware.get_user)",
                                              accounts_middleware.get_user)
    request_cache.cached = _timed("· shared-cache reads (request_cache.cached: user, roles, unread, pages)", request_cache.cached)
    django_backend.Template.render = _timed("· template render (incl. context processors)",
                                            django_backend.Template.render)
    original_processors = template_context.RequestContext.bind_template

    def bind_template(self, template):
        processors = template.engine.template_context_processors + self._processors
        updates = {}
        for processor in processors:
            name = f"·· context processor {processor.__module__}.{processor.__name__}"
            started = time.process_time()
            context = processor(self.request)
            TOTALS[name] += time.process_time() - started
            updates.update(context)
        self.template = template
        self.dicts[self._processors_index] = updates
        try:
            yield
        finally:
            self.template = None
            self.dicts[self._processors_index] = {}

    import contextlib

    template_context.RequestContext.bind_template = contextlib.contextmanager(bind_template)
    del original_processors


def report(name, n):
    rows = []
    inclusive = [TOTALS[layer] for layer in LAYERS]  # LAYERS: innermost first (load_middleware builds it so)
    order = list(reversed(LAYERS))
    incl = list(reversed(inclusive))
    for i, layer in enumerate(order):
        own = incl[i] - (incl[i + 1] if i + 1 < len(incl) else 0.0)
        rows.append((layer if layer != "BaseHandler._get_response" else "view (URL, view, queries, template)", own))
    total = incl[0]
    print(f"\n{name}: {total * 1000 / n:.2f} CPU ms a request (the handler chain)")
    for layer, own in rows:
        print(f"  {own * 1000 / n:7.3f}  {layer}")
    for key in sorted(k for k in TOTALS if k.startswith("·")):
        print(f"  {TOTALS[key] * 1000 / n:7.3f}  {key}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--pages", default="detail,list,api_list")
    args = parser.parse_args()
    import django

    django.setup()
    install()
    from django.test import Client

    from accounts.models import User
    from titles.models import ReviewPlan

    spec = importlib.util.spec_from_file_location("pages_profile", Path(__file__).with_name("profile.py"))
    profile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(profile)
    pages = profile.pages
    max_plan = ReviewPlan.objects.order_by("-pk").values_list("pk", flat=True).first()
    calls = pages(max_plan)
    for page in args.pages.split(","):
        client = Client()
        client.force_login(User.objects.get(username="applicant"))
        for _ in range(20):
            assert calls[page](client).status_code == 200
        LAYERS.clear()
        client.handler.load_middleware()
        TOTALS.clear()
        for _ in range(args.n):
            calls[page](client)
        report(page, args.n)


if __name__ == "__main__":
    main()
