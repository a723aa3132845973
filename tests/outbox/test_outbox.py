"""The outbox: work after commit is recorded with the change, survives a broker outage, runs once."""

import logging
import socket

import pytest
from django.core.management import call_command

from accounts.models import Role
from outbox.models import OutboxMessage
from outbox.services import deliver, sweep
from tests.factories import review_plan, user_with_role
from titles.models import ReviewPlan
from titles.services import PlanError, amend_plan, publish_plan

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit must really run


@pytest.fixture
def broker_down():
    """Point Celery at a local port where nothing listens, as when Redis is stopped."""
    from config.celery import app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    previous = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    yield
    app.conf.broker_url = previous


@pytest.fixture
def bureau_user(org_tree):
    return user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])


def _renders(plan):
    return plan.history.filter(history_change_reason="生成方案文本").count()


def test_publishing_while_the_broker_is_down_succeeds_and_keeps_the_pdf_job(client, org_tree, bureau_user,
                                                                             broker_down, caplog):
    plan = review_plan(org_tree["bureau"])
    client.force_login(bureau_user)
    with caplog.at_level(logging.WARNING, logger="outbox.services"):
        response = client.post(f"/api/v1/plans/{plan.pk}/publish/")
    assert response.status_code == 200
    assert response.json()["status"] == "published" and response.json()["document_status"] == "PDF 生成中"
    assert len([r for r in caplog.records if r.name == "outbox.services"]) == 1
    assert "traceback" not in caplog.text.lower()
    message = OutboxMessage.objects.get()
    assert message.payload == {"plan_id": plan.pk} and message.sent_at is None and message.done_at is None
    assert "PDF 生成中" in client.get(f"/titles/plans/{plan.pk}/").content.decode()
    # a retry does not publish twice; the job is still there for the sweep
    assert client.post(f"/api/v1/plans/{plan.pk}/publish/").status_code == 409
    assert OutboxMessage.objects.filter(done_at__isnull=True).count() == 1


def test_sweep_command_reports_the_broker_outage(org_tree, bureau_user, broker_down, capsys):
    plan = review_plan(org_tree["bureau"])
    publish_plan(actor=bureau_user, plan_id=plan.pk)
    call_command("outbox_sweep")
    out = capsys.readouterr()
    assert "待发送 1 个后台任务，已发送 0 个" in out.out and "消息队列不可用" in out.err
    assert OutboxMessage.objects.get().sent_at is None


def test_a_refused_publication_leaves_no_job(org_tree, bureau_user, broker_down):
    plan = review_plan(org_tree["bureau"], issued_on="2026-07-20")
    with pytest.raises(PlanError):
        publish_plan(actor=bureau_user, plan_id=plan.pk)
    assert not OutboxMessage.objects.exists()


def test_delivering_twice_renders_once(org_tree, bureau_user, broker_down, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    plan = review_plan(org_tree["bureau"])
    publish_plan(actor=bureau_user, plan_id=plan.pk)
    message = OutboxMessage.objects.get()
    assert deliver(message_id=message.pk) is True
    assert deliver(message_id=message.pk) is False  # done: not run again
    plan.refresh_from_db()
    assert _renders(plan) == 1 and plan.document.name == f"plans/plan-{plan.pk}-0.pdf"
    assert [p.name for p in (tmp_path / "plans").iterdir()] == [f"plan-{plan.pk}-0.pdf"]
    message.refresh_from_db()
    assert message.done_at and message.attempts == 1


def test_an_amendment_during_the_outage_renders_the_newest_plan_once(org_tree, bureau_user, broker_down,
                                                                      settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    plan = review_plan(org_tree["bureau"])
    publish_plan(actor=bureau_user, plan_id=plan.pk)
    meetings = plan.phases.get(kind="review_meetings")
    amend_plan(actor=bureau_user, plan_id=plan.pk, reason="评审会场调整",
               phases={"review_meetings": (meetings.start, meetings.end.replace(day=19))})
    for message in OutboxMessage.objects.order_by("pk"):
        deliver(message_id=message.pk)
    plan.refresh_from_db()
    assert plan.document.name == f"plans/plan-{plan.pk}-1.pdf" and _renders(plan) == 1
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()
    assert [p.name for p in (tmp_path / "plans").iterdir()] == [f"plan-{plan.pk}-1.pdf"]


def test_a_failing_job_stays_pending_with_its_error(org_tree, bureau_user, broker_down, settings, tmp_path):
    plan = review_plan(org_tree["bureau"])
    publish_plan(actor=bureau_user, plan_id=plan.pk)
    message = OutboxMessage.objects.get()
    settings.MEDIA_ROOT = str(tmp_path / "file")
    (tmp_path / "file").write_text("not a directory")  # the storage cannot write
    assert deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.done_at is None and message.attempts == 1 and message.last_error
    assert ReviewPlan.objects.get(pk=plan.pk).document.name == ""
    assert sweep() == 0  # the broker is still down: nothing sent, nothing lost
