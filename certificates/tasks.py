"""Thin tasks: the outbox hands an issuance request over in chunks; each chunk is one worker task."""

from celery import shared_task
from django.conf import settings

from . import services

ISSUE_TASK = "certificates.issue"


class IssuanceInProgress(Exception):
    """Raised by the outbox handler while a request's certificates are not all issued: the message stays
    pending, and the outbox's sweep delivers it again to check (and re-send what stalled)."""


def dispatch_issue(*, declaration_ids, approval_document: str, approved_on: str, actor_id=None) -> int:
    """The outbox handler of ``request_issue``: one ``certificates.issue`` task per chunk of ids, so the
    worker's processes share a bulk issuance. The message is done only once every certificate has its
    PDF: until then it stays pending and the sweep delivers it again; a delivery re-sends the missing
    ones only when the request has stalled (no certificate issued for ``OUTBOX_RESEND_AFTER`` seconds,
    e.g. a broker that lost its queue), so a long issuance is not duplicated. Chunks delivered twice
    issue nothing twice. Returns the number of tasks sent."""
    missing, progressing = services.issuance_progress(declaration_ids, within=settings.OUTBOX_RESEND_AFTER)
    parts = [] if progressing else services.chunks(missing, settings.CERTIFICATE_ISSUE_CHUNK)
    for part in parts:
        issue.apply_async(kwargs={"declaration_ids": part, "approval_document": approval_document,
                                  "approved_on": approved_on, "actor_id": actor_id}, retry=False)
    still_missing, _ = services.issuance_progress(declaration_ids, within=0) if missing else ([], False)
    if still_missing:
        raise IssuanceInProgress(f"证书核发进行中：尚有 {len(still_missing)} 张未完成"
                                 f"（本次发出 {len(parts)} 个任务），稍后再次检查")
    return len(parts)


@shared_task(name=ISSUE_TASK, acks_late=True, ignore_result=True)
def issue(declaration_ids, approval_document: str, approved_on: str, actor_id=None) -> int:
    return len(services.issue_certificates(declaration_ids=declaration_ids, approval_document=approval_document,
                                           approved_on=approved_on, actor_id=actor_id))
