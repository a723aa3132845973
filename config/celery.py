"""The Celery app. Deadlines are beat sweeps; tasks stay thin and call services."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("zhicheng")


@app.on_configure.connect
def _settings_or_exit(**_kwargs):
    """A malformed setting stops the worker with one Chinese line (exit 3), not a traceback."""
    from config.startup import settings_or_exit

    settings_or_exit()


app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _verify_services_on_worker_start(**_kwargs):
    from config.startup import verify_services_or_exit

    verify_services_or_exit(serving=True)
