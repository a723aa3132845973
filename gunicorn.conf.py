"""gunicorn's settings file, read from the working directory (the repository root; /app in the image).

The start-up checks of ``config/startup.py`` (settings, database and Redis reachable, static files
collected, a real SECRET_KEY) run once, in the master, before it starts any worker: a wrong
``DATABASE_URL`` still stops gunicorn at start with one Chinese line and exit code 3.

Workers do not repeat the reachability checks. A worker started later (one that died or timed out and
is replaced, or ``--max-requests``) must boot while PostgreSQL or Redis is down and answer 503 until it
returns (``config/error_views.py``): a worker that exits with code 3 makes gunicorn's master halt the
whole site ("Worker failed to boot"), which the fault test of a PostgreSQL restart showed
(tests/faults/test_postgres_restart.py).
"""

import os


def on_starting(server):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.startup import settings_or_exit, verify_services_or_exit

    settings_or_exit()
    verify_services_or_exit(serving=True, web=True)
    from django.db import connections

    # No connection of the master's may be inherited by the forked workers: with DB_POOL=true the pool
    # itself (its connections and threads) would be shared by every worker, which then read each
    # other's results (measured: 500s with "None is not a valid ReviewPlan.Status" and the like).
    for connection in connections.all(initialized_only=True):
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()
    os.environ["ZC_SERVICES_VERIFIED_BY_MASTER"] = "1"


def post_worker_init(worker):
    """The worker's application is loaded: everything it made while loading (Django's apps, URLs, templates, the
    prepared queries' SQL) lives as long as the worker, so the garbage collector stops visiting it
    (``gc.freeze``): a full collection of a worker's heap, ≈ 160,000 objects, took 83–91 ms of CPU, one request
    held that long; 16–18 ms frozen (`bench/rush`, a reviewer's pages at their first view)."""
    import gc

    gc.freeze()
