"""Notifications: written with the change that causes them (in-app, at most once per person and
occasion), e-mailed after commit through the outbox (at most once)."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from outbox.services import enqueue

from . import request_cache
from .models import Notification

SEND_EMAIL = "accounts.notifications.send_notification_email"  # the outbox kind


def notify(*, recipients, key: str, title: str, body: str = "", link: str = "") -> list[Notification]:
    """Notify each recipient once for ``key``; call it inside the change's transaction."""
    created = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        try:
            with transaction.atomic():
                notice = Notification.objects.create(recipient=user, key=key[:120], title=title[:200], body=body,
                                                     link=link[:200])
        except IntegrityError:  # already told about this occasion
            continue
        created.append(notice)
        request_cache.bump(request_cache.unread_version(user.pk), required=False)
        if user.email:
            enqueue(kind=SEND_EMAIL, payload={"notification_id": notice.pk})
    return created


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
