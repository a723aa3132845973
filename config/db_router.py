"""Reads from PostgreSQL streaming replicas, when ``DATABASE_REPLICA_URLS`` names some (issue 20).

A province that outgrows one database server adds read replicas by setting the variable, with no code
change. What may read from a replica, and what never does:

- Only the reads of a safe request (GET, HEAD, OPTIONS) of the web site or API, flagged by
  ``ReplicaReadsMiddleware``; Celery tasks, management commands and the shell read the primary.
- Never inside a transaction on the primary (``transaction.atomic``: every service, every
  ``select_for_update``, every ``get_or_create``), so a decision is always taken on current rows.
- Never for the browser that changed something a moment ago: every unsafe request (a POST, a sign-in,
  a submit) sets the cookie ``zc_primary`` for ``REPLICA_PIN_SECONDS`` (default 10), and while it is
  there that browser's requests read the primary, so it sees its own change at once even if the
  replica lags. A replica that lags longer than that would show the browser older rows afterwards:
  alert on replication lag (``pg_stat_replication.replay_lag``) well below the pin.
- Every write, and every migration, goes to the primary (``default``).
- Never for what is kept under a version (``primary_reads``: the request cache's entries in Redis, each process's
  organisation tree and rulebooks): a lagging replica's older rows would be kept under the newer version.

Without replicas the router answers ``None`` everywhere (Django's default: one database).
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections

PIN_COOKIE = "zc_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def primary_reads():
    """The reads inside go to the primary, whatever the request: what is kept under a version (the request cache's
    entries, a process's organisation tree or rulebook) must be no older than the version it is kept under, which
    a change replaced after its commit on the primary; read from a replica that lags, the older rows would be kept
    under the newer version until the next change."""
    token = _replica_reads.set(False)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", ()))


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        replicas = replica_aliases()
        if not replicas or not _replica_reads.get():
            return "default" if replicas else None
        instance = hints.get("instance")
        if instance is not None and instance._state.db:  # related rows of a row read elsewhere
            return instance._state.db
        if connections["default"].in_atomic_block:
            return "default"
        return random.choice(replicas)

    def db_for_write(self, model, **hints):
        return "default" if replica_aliases() else None

    def allow_relation(self, obj1, obj2, **hints):
        return True if replica_aliases() else None  # one database and its copies

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default" if replica_aliases() else None


class ReplicaReadsMiddleware:
    """Lets a safe request read a replica unless its browser is pinned to the primary, and pins the
    browser after every unsafe request. Does nothing when no replica is configured."""

    def __init__(self, get_response):
        if not replica_aliases():
            raise MiddlewareNotUsed  # left out of the chain: it costs nothing without replicas
        self.get_response = get_response
        self.pin_seconds = settings.REPLICA_PIN_SECONDS

    def __call__(self, request):
        safe = request.method in SAFE_METHODS
        token = _replica_reads.set(safe and PIN_COOKIE not in request.COOKIES)
        try:
            response = self.get_response(request)
        finally:
            _replica_reads.reset(token)
        if not safe:
            response.set_cookie(PIN_COOKIE, "1", max_age=self.pin_seconds, httponly=True, samesite="Lax",
                                secure=settings.SESSION_COOKIE_SECURE)
        return response
