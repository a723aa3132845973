"""Thin tasks: the outbox hands an issuance request over in chunks; each chunk is one worker task."""

from celery import shared_task
from django.conf import settings

from . import services

ISSUE_TASK = "certificates.issue"


def dispatch_issue(*, declaration_ids, approval_document: str, approved_on: str, actor_id=None) -> int:
    """The outbox handler of ``request_issue``: one ``certificates.issue`` task per chunk of ids, so the
    worker's processes share a bulk issuance. A failed send fails the message, which the outbox sends
    again; a chunk delivered twice issues nothing twice. Returns the number of tasks sent."""
    parts = services.chunks(list(declaration_ids), settings.CERTIFICATE_ISSUE_CHUNK)
    for part in parts:
        issue.apply_async(kwargs={"declaration_ids": part, "approval_document": approval_document,
                                  "approved_on": approved_on, "actor_id": actor_id}, retry=False)
    return len(parts)


@shared_task(name=ISSUE_TASK, acks_late=True, ignore_result=True)
def issue(declaration_ids, approval_document: str, approved_on: str, actor_id=None) -> int:
    return len(services.issue_certificates(declaration_ids=declaration_ids, approval_document=approval_document,
                                           approved_on=approved_on, actor_id=actor_id))
