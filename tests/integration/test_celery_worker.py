"""A real Celery worker (subprocess) on the real broker renders a published plan as a PDF.

Needs PostgreSQL and Redis (``DATABASE_URL``/``REDIS_URL``, as .ci/run sets them): the worker
is another process and must see the committed rows of the test database.
"""

import subprocess
import time

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Role
from tests.factories import review_plan, user_with_role
from tests.integration.conftest import celery_worker
from titles.models import ReviewPlan
from titles.services import amend_plan, publish_plan

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL or connection.vendor != "postgresql",
                       reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL, as .ci/run sets them"),
]


@pytest.fixture
def worker(tmp_path, settings):
    from config.celery import app

    app.control.purge()
    settings.MEDIA_ROOT = str(tmp_path / "media")  # shared by this process and the worker
    with celery_worker(tmp_path / "worker.log", MEDIA_ROOT=settings.MEDIA_ROOT) as process:
        yield process


def _wait_for_document(plan, previous="", timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        plan.refresh_from_db()
        if plan.document and plan.document.name != previous:
            return plan.document
        time.sleep(0.5)
    raise AssertionError("the worker did not render the plan document in time")


def _pdf_text(document) -> str:
    with document.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


def test_publishing_a_plan_has_the_worker_render_its_pdf(worker, org_tree):
    bureau_user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    plan = review_plan(org_tree["bureau"], document_number="长人社函〔2026〕99号")
    publish_plan(actor=bureau_user, plan_id=plan.pk)
    document = _wait_for_document(plan)
    text = _pdf_text(document)
    assert "工程系列中级职称评审工作方案" in text and "长人社函〔2026〕99号" in text
    assert "评审会议" in text and "2026年11月10日" in text
    amend_plan(actor=bureau_user, plan_id=plan.pk, reason="评审会场调整",
               phases={"review_meetings": (plan.phases.get(kind="review_meetings").start,
                                           plan.phases.get(kind="review_meetings").end.replace(day=19))})
    document = _wait_for_document(plan, previous=document.name)
    text = _pdf_text(document)
    assert "修订记录" in text and "评审会场调整" in text and "2026年11月19日" in text
    assert ReviewPlan.objects.get(pk=plan.pk).history.filter(history_change_reason="生成方案文本").count() == 2
