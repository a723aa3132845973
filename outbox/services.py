"""The outbox: work after commit is recorded with the change, sent after commit, re-sent until done.

A service calls ``enqueue`` inside its transaction; the message row commits (or rolls back) with the
change. After commit it is sent to the Celery worker; when the broker is unreachable the send fails
quietly (one log line) and ``sweep`` (Celery beat every minute, or ``manage.py outbox_sweep``) sends
it again until the worker has run it. ``deliver`` runs a message at most once to completion; the
handlers are idempotent anyway, since a message can be delivered twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import OutboxMessage

logger = logging.getLogger(__name__)

DELIVER_TASK = "outbox.deliver"


def enqueue(*, kind: str, payload: dict) -> OutboxMessage:
    """Record work for the worker in the current transaction; send it once the transaction commits.

    ``kind`` is the dotted path of the handler, called as ``handler(**payload)``.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enqueue 必须在业务操作的事务中调用")
    import_string(kind)  # a misspelt handler fails the change, not the worker an hour later
    message = OutboxMessage.objects.create(kind=kind, payload=payload)
    transaction.on_commit(lambda: send(message_id=message.pk))
    return message


def enqueue_many(*, kind: str, payloads: list[dict]) -> list[OutboxMessage]:
    """``enqueue`` for many messages of one kind in one INSERT (set-based services: the sweeps)."""
    if not payloads:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enqueue 必须在业务操作的事务中调用")
    import_string(kind)
    messages = OutboxMessage.objects.bulk_create([OutboxMessage(kind=kind, payload=p) for p in payloads])
    send_after_commit([m.pk for m in messages])
    return messages


def insert_messages_sql(*, kind: str, payloads: str) -> tuple[str, dict]:
    """``enqueue_many`` for services that build their payloads in PostgreSQL: the text of an INSERT that
    writes one message per row of the relation ``payloads`` (columns ``ord``, ``payload`` jsonb), in
    ``ord`` order, ``RETURNING id``, to run as a data-modifying WITH query, and its parameters. The
    caller hands the ids to ``send_after_commit``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enqueue 必须在业务操作的事务中调用")
    import_string(kind)
    sql = (f"INSERT INTO {OutboxMessage._meta.db_table} (kind, payload, created_at, sent_at, done_at, attempts, "
           f"last_error) SELECT %(outbox_kind)s, p.payload, %(outbox_now)s, NULL, NULL, 0, '' "
           f"FROM {payloads} p ORDER BY p.ord RETURNING id")
    return sql, {"outbox_kind": kind, "outbox_now": timezone.now()}


def send_after_commit(ids: list[int]) -> None:
    """Send the messages ``ids`` (written in the current transaction) once it commits, in order."""
    if not ids:
        return

    def send_all():
        for pk in ids:
            if not send(message_id=pk):
                break  # the broker is down: the sweep sends the rest

    transaction.on_commit(send_all)


def send(*, message_id: int) -> bool:
    """Hand one message to the broker; False (and one log line) when the broker is unreachable."""
    from config.celery import app

    if app.conf.task_always_eager:
        deliver(message_id=message_id)
        return True
    try:
        # one attempt, no reconnect loop: a request must not hang on a broker that is down
        with app.connection_for_write(transport_options={"max_retries": 0}) as connection:
            # ignore_result: otherwise Celery subscribes to the task's result on Redis first, retrying
            # 20 times a second apart while Redis is down (found by tests/faults/test_redis_outage.py)
            app.send_task(DELIVER_TASK, args=[message_id], connection=connection, retry=False, ignore_result=True)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the sweep sends it again
        logger.warning("后台任务 #%s 暂未发送（消息队列不可用：%s）；定时巡检会重新发送", message_id,
                       str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return False
    OutboxMessage.objects.filter(pk=message_id).update(sent_at=timezone.now())
    return True


def deliver(*, message_id: int) -> bool:
    """Run one message's handler unless it is done; mark it done. Returns whether it ran.

    The message's row lock makes a second delivery wait for the first and then find it done (the
    lock is not skipped: the sender briefly locks the row too, when it records ``sent_at``). A failing
    handler leaves the message pending with its error; the sweep sends it again.
    """
    with transaction.atomic():
        message = (OutboxMessage.objects.select_for_update()
                   .filter(pk=message_id, done_at__isnull=True).first())
        if message is None:
            return False
        message.attempts += 1
        try:
            with transaction.atomic():
                import_string(message.kind)(**message.payload)
        except Exception as exc:  # noqa: BLE001 - recorded on the message and retried by the sweep
            logger.exception("后台任务 #%s（%s）失败，将由定时巡检重试", message.pk, message.kind)
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.save(update_fields=["attempts", "last_error"])
            return False
        message.done_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "last_error", "done_at"])
    return True


def pending_messages():
    """Messages not done that are due to be sent: never sent, or sent long enough ago to be lost."""
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_RESEND_AFTER)
    return (OutboxMessage.objects.filter(done_at__isnull=True)
            .filter(Q(sent_at__isnull=True) | Q(sent_at__lt=cutoff)).order_by("created_at", "pk"))


def sweep(*, limit: int = 500) -> int:
    """Send every pending message again; stop at the first broker failure. Returns how many were sent."""
    sent = 0
    for message_id in pending_messages().values_list("pk", flat=True)[:limit]:
        if not send(message_id=message_id):
            break
        sent += 1
    return sent
