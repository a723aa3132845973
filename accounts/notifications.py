"""Notifications: written with the change that causes them (in-app, at most once per person and
occasion), e-mailed after commit through the outbox (at most once)."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from outbox.services import enqueue_many, insert_messages_sql, send_after_commit

from . import request_cache
from .models import Notification, User

SEND_EMAIL = "accounts.notifications.send_notification_email"  # the outbox kind
SEND_EMAILS = "accounts.notifications.send_notification_emails"  # the outbox kind of a batch
EMAIL_BATCH = 200  # notifications per outbox message when many are written at once


def notify(*, recipients, key: str, title: str, body: str = "", link: str = "") -> list[Notification]:
    """Notify each recipient once for ``key``; call it inside the change's transaction. On PostgreSQL one
    statement writes the notifications of every recipient and their e-mails' outbox messages (a transition tells
    one body's members)."""
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    if not users:
        return []
    fields = {"key": key[:120], "title": title[:200], "body": body, "link": link[:200]}
    if connection.vendor == "postgresql":
        created, queued = _insert_and_enqueue(list(users), [pk for pk, user in users.items() if user.email], fields)
        send_after_commit(queued)
    else:
        created = _insert_new(list(users), fields)
        enqueue_many(kind=SEND_EMAIL, payloads=[{"notification_id": notice.pk} for notice in created
                                                if users[notice.recipient_id].email])
    request_cache.bump_unread(notice.recipient_id for notice in created)
    return created


def _insert_and_enqueue(recipient_ids: list[int], mailed: list[int], fields: dict) -> tuple[list, list[int]]:
    """The notifications of ``fields`` for the recipients not yet told about its key (``INSERT … ON CONFLICT DO
    NOTHING`` on the unique (recipient, key), no savepoint per recipient) and the outbox messages of their e-mails
    (one ``SEND_EMAIL`` message per notification written for a recipient of ``mailed``, in the notifications'
    order), in one statement on PostgreSQL (two before): (the notifications written, the messages' ids)."""
    now = timezone.now()
    outbox_sql, outbox_params = insert_messages_sql(kind=SEND_EMAIL, payloads="mailed")
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH created AS (
                INSERT INTO {Notification._meta.db_table} (recipient_id, key, title, body, link, created_at)
                SELECT r, %(key)s, %(title)s, %(body)s, %(link)s, %(now)s
                FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS t(r, o) ORDER BY o
                ON CONFLICT (recipient_id, key) DO NOTHING
                RETURNING id, recipient_id
            ), mailed AS (
                SELECT c.id AS ord, jsonb_build_object('notification_id', c.id) AS payload
                FROM created c WHERE c.recipient_id = ANY(%(mailed)s::bigint[])
            ), queued AS ({outbox_sql})
            SELECT c.id, c.recipient_id, (SELECT array_agg(id ORDER BY id) FROM queued) FROM created c ORDER BY c.id""",
                       {**fields, **outbox_params, "now": now, "ids": recipient_ids, "mailed": mailed})
        written = cursor.fetchall()
    created = []
    for pk, recipient_id, _ in written:
        notice = Notification(pk=pk, recipient_id=recipient_id, created_at=now, **fields)
        notice._state.adding, notice._state.db = False, connection.alias
        created.append(notice)
    return created, (written[0][2] or []) if written else []


def _insert_new(recipient_ids: list[int], fields: dict) -> list[Notification]:
    """The notifications of ``fields`` for the recipients not yet told about its key (the unique (recipient,
    key)), written; answers those written. Elsewhere than PostgreSQL (which writes them with their e-mails in one
    statement: ``_insert_and_enqueue``): a savepoint per recipient, as an IntegrityError needs."""
    created = []
    for recipient_id in recipient_ids:
        try:
            with transaction.atomic():
                created.append(Notification.objects.create(recipient_id=recipient_id, **fields))
        except IntegrityError:  # already told about this occasion
            continue
    return created


def notify_many(entries: list[dict]) -> list[int]:
    """The set-based twin of ``notify`` for sweeps: each entry is ``recipient_id``, ``key``, ``title``,
    ``body``, ``link``; a (recipient, key) already told is skipped. A constant number of queries: the
    recipients, the keys already used, one INSERT, one INSERT of outbox messages (e-mails in batches).
    Call it inside the change's transaction (under the sweep's lock, so two runs never race on a key).
    Returns the new notifications' ids."""
    if not entries:
        return []
    emails = dict(User.objects.filter(pk__in={e["recipient_id"] for e in entries}, is_active=True)
                  .values_list("pk", "email"))
    keys = {e["key"][:120] for e in entries}
    told = set(Notification.objects.filter(key__in=keys).values_list("recipient_id", "key"))
    fresh, seen = [], set()
    for e in entries:
        mark = (e["recipient_id"], e["key"][:120])
        if e["recipient_id"] in emails and mark not in told and mark not in seen:
            seen.add(mark)
            fresh.append(Notification(recipient_id=mark[0], key=mark[1], title=e["title"][:200],
                                      body=e.get("body", ""), link=e.get("link", "")[:200]))
    created = Notification.objects.bulk_create(fresh)
    request_cache.bump_unread(n.recipient_id for n in created)
    mailed = [n.pk for n in created if emails.get(n.recipient_id)]
    enqueue_many(kind=SEND_EMAILS, payloads=[{"notification_ids": mailed[i:i + EMAIL_BATCH]}
                                             for i in range(0, len(mailed), EMAIL_BATCH)])
    return [n.pk for n in created]


def notify_many_sql(entries_sql: str, params: dict) -> int:
    """``notify_many`` for entries PostgreSQL makes itself (a sweep over 1,000,000 declarations): the entries
    are the rows of the SELECT ``entries_sql`` (columns ``ord``, ``recipient_id``, ``key``, ``title``,
    ``body``, ``link``; named parameters ``params``), written in ``ord`` order with the same rules (active
    recipients only, a (recipient, key) already told or told twice in the batch is skipped, fields cut to
    their lengths) and their e-mails in the outbox, ``EMAIL_BATCH`` to a message: one statement. Call it
    inside the change's transaction. Returns how many notifications were written."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify_many_sql 必须在业务操作的事务中调用")
    notification, user = Notification._meta.db_table, User._meta.db_table
    outbox_sql, outbox_params = insert_messages_sql(kind=SEND_EMAILS, payloads="batches")
    sql = f"""
        WITH created AS (
            INSERT INTO {notification} (recipient_id, key, title, body, link, created_at)
            SELECT e.recipient_id, left(e.key, 120), left(e.title, 200), e.body, left(e.link, 200), %(nt_now)s
            FROM ({entries_sql}) e JOIN {user} u ON u.id = e.recipient_id AND u.is_active
            ORDER BY e.ord
            ON CONFLICT (recipient_id, key) DO NOTHING
            RETURNING id, recipient_id
        ), mailed AS (
            SELECT c.id, (row_number() OVER (ORDER BY c.id) - 1) / %(nt_batch)s AS ord
            FROM created c JOIN {user} u ON u.id = c.recipient_id WHERE u.email <> ''
        ), batches AS (
            SELECT ord, jsonb_build_object('notification_ids', jsonb_agg(id ORDER BY id)) AS payload
            FROM mailed GROUP BY ord
        ), queued AS ({outbox_sql})
        SELECT (SELECT count(*) FROM created),
               (SELECT array_agg(recipient_id) FROM (SELECT recipient_id FROM created LIMIT %(nt_each)s + 1) r),
               (SELECT array_agg(id ORDER BY id) FROM queued)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, **outbox_params, "nt_now": timezone.now(), "nt_batch": EMAIL_BATCH,
                             "nt_each": request_cache.BUMP_EACH_UP_TO})
        count, recipients, queued = cursor.fetchone()
    if recipients and len(recipients) > request_cache.BUMP_EACH_UP_TO:
        request_cache.bump_every_unread()
    elif recipients:
        request_cache.bump_unread(recipients)
    send_after_commit(queued or [])
    return count


def send_notification_emails(*, notification_ids: list[int]) -> None:
    """The outbox handler of a batch: each notification's e-mail, never a second (see below)."""
    for notification_id in notification_ids:
        send_notification_email(notification_id=notification_id)


def send_notification_email(*, notification_id: int) -> None:
    """The outbox handler: one e-mail per notification, never a second."""
    notice = Notification.objects.select_for_update().select_related("recipient").filter(pk=notification_id).first()
    if notice is None or notice.emailed_at is not None or not notice.recipient.email:
        return
    link = f"{settings.SITE_URL.rstrip('/')}{notice.link}" if notice.link else ""
    send_mail(subject=f"【职称申报评审平台】{notice.title}", message=f"{notice.body}\n\n{link}".strip(),
              from_email=None, recipient_list=[notice.recipient.email])
    notice.emailed_at = timezone.now()
    notice.save(update_fields=["emailed_at"])


def unread_count(user) -> int:
    return request_cache.unread_count(
        user, lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count())


def mark_read(*, user, notification_ids=None) -> int:
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    changed = queryset.update(read_at=timezone.now())
    request_cache.bump(request_cache.unread_version(user.pk), required=False)
    return changed
