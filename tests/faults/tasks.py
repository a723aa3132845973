"""Tasks for the worker-kill fault test (loaded by the worker with ``--include tests.faults.tasks``).

``slow_steps`` stands for a long batch such as the certificates' bulk issuance: it commits step by step,
and each step is idempotent (a notification with a unique key per step), so running the task again
after a kill finishes the remaining steps and repeats none. ``slow_handler`` is an outbox handler whose
work is one transaction (outbox.services.deliver): killed, it leaves nothing, and runs again whole.
"""

import logging
import time

from celery import shared_task
from django.db import transaction

logger = logging.getLogger(__name__)


def _step(user_id: int, key: str, title: str):
    from accounts.models import User
    from accounts.notifications import notify

    notify(recipients=[User.objects.get(pk=user_id)], key=key, title=title)


@shared_task(name="faults.slow_steps")
def slow_steps(run: str, steps: int, pause: float, user_id: int) -> int:
    logger.warning("faults.slow_steps %s started", run)
    for number in range(steps):
        with transaction.atomic():
            _step(user_id, f"{run}:{number}", f"步骤 {number + 1}/{steps}")
        time.sleep(pause)
    with transaction.atomic():
        _step(user_id, f"{run}:done", "全部完成")
    return steps


def slow_handler(*, run: str, steps: int, pause: float, user_id: int) -> None:
    logger.warning("faults.slow_handler %s started", run)
    for number in range(steps):
        _step(user_id, f"{run}:{number}", f"步骤 {number + 1}/{steps}")
        logger.warning("faults.slow_handler %s step %s", run, number + 1)
        time.sleep(pause)
