"""A real Celery beat (DatabaseScheduler, the schedule in the database) and a real worker on the real
broker run a deadline sweep: corrections past their deadline end as 视为放弃申报 (moved in two parts at once,
``SWEEP_WRITERS``, each a transaction of its own in the worker's threads).

Needs PostgreSQL and Redis (``DATABASE_URL``/``REDIS_URL``, as .ci/run sets them): beat and the
worker are other processes and must see the committed rows of the test database.
"""

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Role
from declarations.models import Declaration
from reviews.models import Decision
from tests.factories import returned_declarations, user_with_role

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL or connection.vendor != "postgresql",
                       reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL, as .ci/run sets them"),
]


def _start(args, env, log_path):
    log = open(log_path, "w+")
    process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", *args], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    return process, log


@pytest.fixture
def worker_and_beat(tmp_path):
    from config.celery import app

    app.control.purge()
    db = connection.settings_dict
    env = dict(os.environ, DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                                        f"/{db['NAME']}", DEBUG="1", ZC_TODAY="2026-09-23",
               SWEEP_PARALLEL_MIN="2", SWEEP_WRITERS="2")  # the sweep in two parts at once, as over 20,000
    started = [
        _start(["worker", "--pool=solo", "--loglevel=info", "--without-heartbeat", "--without-gossip",
                "--without-mingle"], env, tmp_path / "worker.log"),
        _start(["beat", "--loglevel=info", "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
                "--max-interval", "1"], env, tmp_path / "beat.log"),
    ]
    yield
    for process, log in started:
        process.terminate()
        process.wait(timeout=30)
        log.seek(0)
        print(log.read()[-3000:])


@pytest.fixture
def every_two_seconds(db):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    PeriodicTask.objects.all().delete()
    interval = IntervalSchedule.objects.create(every=2, period=IntervalSchedule.SECONDS)
    return PeriodicTask.objects.create(name="测试：逾期未补正", task="reviews.run_sweep", interval=interval,
                                       kwargs=json.dumps({"code": "abandon_corrections"}))


def test_beat_schedules_a_sweep_and_the_worker_abandons_late_corrections(plan, org_tree, every_two_seconds,
                                                                         worker_and_beat):
    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    late = returned_declarations(plan, org_tree["employer_a"], 3, deadline=date(2026, 9, 22),
                                 returned_by=handler, prefix="late")
    on_time = returned_declarations(plan, org_tree["employer_a"], 2, deadline=date(2026, 9, 24),
                                    returned_by=handler, prefix="ontime")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if Declaration.objects.filter(state="abandoned").count() == len(late):
            break
        time.sleep(0.5)
    else:
        raise AssertionError("beat and the worker did not run the sweep in time")
    assert set(Declaration.objects.filter(state="abandoned").values_list("pk", flat=True)) == {d.pk for d in late}
    assert Declaration.objects.filter(pk__in=[d.pk for d in on_time], state="returned").count() == 2
    time.sleep(4)  # beat keeps running the sweep: nothing more happens
    assert Decision.objects.filter(action="abandon").count() == len(late)
    with connection.cursor() as cursor:  # moved in two parts, each committed by a transaction of its own
        cursor.execute("SELECT count(DISTINCT xmin::text) FROM reviews_decision WHERE action = 'abandon'")
        assert cursor.fetchone()[0] == 2
