"""Fault (issue 20): a Celery worker killed in the middle of a long task. The task runs again to
completion, once in effect (config/settings.py: acks_late, reject_on_worker_lost, prefetch 1, the
broker's visibility timeout; idempotent steps). The harness is tests/faults/worker_kill.py; another
task (the certificates' bulk issuance) is tried with ``bash bench/faults/worker_kill.sh --scenario …``.

Needs PostgreSQL (DATABASE_URL) and the redis-server program (a broker of its own).
"""

import importlib
import os
import uuid

import pytest
from django.db import transaction

from accounts.models import Notification, Role
from outbox.models import OutboxMessage
from outbox.services import enqueue
from tests.factories import user_with_role

from .servers import live_database_url, needs_postgresql, report, scale, site_env
from .worker_kill import Scenario, kill_mid_task

pytestmark = [pytest.mark.faults, needs_postgresql, pytest.mark.django_db(transaction=True)]


class SlowSteps(Scenario):
    """A batch committing one idempotent step at a time (as the certificates' bulk issuance does)."""

    task = "faults.slow_steps"
    include = "tests.faults.tasks"

    def __init__(self, steps: int = 12, pause: float = 0.4):
        self.steps, self.pause, self.run = steps, pause, uuid.uuid4().hex[:8]

    def prepare(self):
        from tests.factories import OrganisationFactory

        self.user = user_with_role(Role.APPLICANT, OrganisationFactory())

    def send(self, app):
        with app.connection_for_write() as connection:  # the broker of this test (app.conf.broker_url)
            app.send_task(self.task, kwargs={"run": self.run, "steps": self.steps, "pause": self.pause,
                                             "user_id": self.user.pk}, connection=connection, ignore_result=True)

    def _notices(self):
        return Notification.objects.filter(recipient=self.user, key__startswith=f"{self.run}:")

    def midway(self, log):
        return self._notices().count() >= self.steps // 3

    def finished(self):
        return self._notices().filter(key=f"{self.run}:done").exists()

    def check(self):
        keys = list(self._notices().values_list("key", flat=True))
        assert sorted(keys) == sorted([f"{self.run}:{n}" for n in range(self.steps)] + [f"{self.run}:done"])


class SlowOutboxMessage(SlowSteps):
    """An outbox message whose handler is one transaction: killed, it leaves nothing and runs again."""

    task = "outbox.deliver"

    def send(self, app):
        with transaction.atomic():  # sent to the broker on commit, as every service does
            self.message = enqueue(kind="tests.faults.tasks.slow_handler", payload={
                "run": self.run, "steps": self.steps, "pause": self.pause, "user_id": self.user.pk})

    def midway(self, log):
        return f"faults.slow_handler {self.run} step {self.steps // 3}" in log

    def finished(self):
        return OutboxMessage.objects.filter(pk=self.message.pk, done_at__isnull=False).exists()

    def check(self):
        keys = list(self._notices().values_list("key", flat=True))
        assert sorted(keys) == sorted(f"{self.run}:{n}" for n in range(self.steps))
        message = OutboxMessage.objects.get(pk=self.message.pk)
        assert message.attempts == 1 and not message.last_error  # the killed attempt left no trace


def _custom():
    name = os.environ.get("FAULTS_KILL_SCENARIO", "")
    if not name:
        return []
    module, _, cls = name.partition(":")
    return [pytest.param(lambda: getattr(importlib.import_module(module), cls)(), mode, id=f"{cls}-{mode}")
            for mode in ("child", "worker")]


@pytest.mark.parametrize("make, mode", [
    pytest.param(lambda: SlowSteps(steps=scale("KILL_STEPS", 12)), "child", id="steps-child"),
    pytest.param(lambda: SlowSteps(steps=scale("KILL_STEPS", 12)), "worker", id="steps-worker"),
    pytest.param(lambda: SlowOutboxMessage(steps=scale("KILL_STEPS", 12)), "child", id="outbox-child"),
    *_custom(),
])
def test_a_task_killed_midway_runs_again_to_completion_once(make, mode, private_redis, settings, tmp_path):
    scenario = make()
    # longer than the task (here twice its length): a task still running when its message comes back would
    # run a second time at once (measured: 30 steps of 0.4 s with 10 s ran three times, effects still once)
    visibility = scale("KILL_VISIBILITY_TIMEOUT", int(2 * getattr(scenario, "steps", 30) * getattr(scenario, "pause", 0.4)) + 5)
    env = site_env(database_url=live_database_url(), redis_url=private_redis.start().url(),
                   SECRET_KEY=settings.SECRET_KEY, CELERY_VISIBILITY_TIMEOUT=visibility, LOG_LEVEL="INFO")
    figures = kill_mid_task(scenario, mode=mode, env=env, log_dir=tmp_path)
    assert figures["runs"] == 2, figures["log"][-3000:]
    if mode == "child":
        assert "WorkerLostError" in figures["log"]
    how = {"child": "pool process SIGKILLed; message rejected and requeued at once (reject_on_worker_lost)",
           "worker": f"whole worker SIGKILLed, a new one started; message back after the visibility timeout "
                     f"({visibility} s)"}[mode]
    report(f"worker_kill-{type(scenario).__name__}-{mode}", [
        f"task {scenario.task}: {how}",
        f"killed {figures['midway_after']:.1f} s after sending (about a third done); completed "
        f"{figures['finished_after_kill']:.1f} s after the kill; runs: {figures['runs']}; effects checked once each",
    ])
