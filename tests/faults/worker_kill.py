"""The worker-kill harness (issue 20): start a real Celery worker, send a long task, kill the worker in
the middle of it, and check that the task runs again to completion, once in effect.

Two kills: ``child`` SIGKILLs the pool process running the task (out of memory, a crash): the worker
sees it lost and puts the message back at once (``task_reject_on_worker_lost``); ``worker`` SIGKILLs the
whole worker (the machine lost): the message, never acknowledged (``task_acks_late``), returns to the
queue after the broker's visibility timeout and a new worker runs it.

A scenario says which task, how to start it, when it is half done, when it is done and what "once in
effect" means for it. ``tests/faults/test_worker_kill.py`` runs the built-in ones; another is named with
``FAULTS_KILL_SCENARIO=module:Class`` (``bash bench/faults/worker_kill.sh --scenario module:Class``),
e.g. for the certificates' bulk issuance:

    class CertificateBatch(Scenario):
        task = "certificates.issue_batch"          # the task's name
        include = ""                               # modules the worker must import beyond autodiscovery

        def prepare(self):                         # test data; runs in the test's database
            self.declarations = [...approved declarations...]

        def send(self, app):
            with app.connection_for_write() as connection:   # the harness's broker
                app.send_task(self.task, args=[...], connection=connection, ignore_result=True)

        def midway(self, log: str) -> bool:        # committed progress, e.g. some certificates issued
            return Certificate.objects.count() >= len(self.declarations) // 3

        def finished(self) -> bool:
            return Certificate.objects.count() >= len(self.declarations)

        def check(self):                           # once in effect: one certificate per declaration, numbers unique
            assert Certificate.objects.count() == len(self.declarations)
            assert Certificate.objects.values("number").distinct().count() == len(self.declarations)
"""

import os
import signal
import time
from pathlib import Path

from .servers import CeleryWorker, wait_until


class Scenario:
    task = ""
    include = ""
    timeout = 180  # seconds for the run after the kill

    def prepare(self):
        raise NotImplementedError

    def send(self, app):
        raise NotImplementedError

    def midway(self, log: str) -> bool:
        raise NotImplementedError

    def finished(self) -> bool:
        raise NotImplementedError

    def check(self):
        raise NotImplementedError


def runs_of(task: str, log: str) -> int:
    """How many times a worker received the task (each delivery is one "received" line)."""
    return sum(1 for line in log.splitlines() if f"Task {task}[" in line and line.rstrip().endswith("received"))


def kill_mid_task(scenario: Scenario, *, mode: str, env: dict, log_dir: Path) -> dict:
    """Run ``scenario`` and kill its worker half-way (``mode``: child or worker); returns the figures."""
    from config.celery import app

    assert mode in ("child", "worker"), mode
    app.conf.broker_url = env["REDIS_URL"]
    workers = [CeleryWorker(env, log_dir=log_dir, name=f"{mode}-1", pool="prefork", concurrency=1,
                            include=scenario.include)]
    try:
        workers[0].start()
        scenario.prepare()
        sent = time.monotonic()
        scenario.send(app)
        wait_until(lambda: scenario.midway(workers[0].log_text()), timeout=120, what="the task to be half done",
                   interval=0.1)
        killed = time.monotonic()
        if mode == "child":
            pool = workers[0].pool_pids()
            assert pool, "no pool process to kill"
            for pid in pool:
                os.kill(pid, signal.SIGKILL)
        else:
            workers[0].kill()
            workers.append(CeleryWorker(env, log_dir=log_dir, name=f"{mode}-2", pool="prefork", concurrency=1,
                                        include=scenario.include).start())
        wait_until(scenario.finished, timeout=scenario.timeout, what="the task to run again to completion",
                   interval=0.25)
        done = time.monotonic()
        time.sleep(2)  # a second, unwanted run would show here
        log = "".join(worker.log_text() for worker in workers)
        scenario.check()
        return {"mode": mode, "runs": runs_of(scenario.task, log), "midway_after": killed - sent,
                "finished_after_kill": done - killed, "log": log}
    finally:
        for worker in workers:
            worker.stop()
