"""Issuing 1,000 certificates through a real Celery worker with 4 processes: 1,000 distinct, gap-free
numbers, each with its signed PDF; asking again issues nothing new. Prints the time it took.

CI issues 200 (``ZC_CERT_BULK_N``, default 200: about a second of CPU per certificate on two cores);
``ZC_CERT_BULK_N=1000`` runs the full acceptance (README: figures).

Needs PostgreSQL and Redis (the worker processes must see the committed rows and share the broker).
"""

import os
import time

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Event, Role, RoleMembership, User
from certificates.models import Certificate, CertificateCounter
from certificates.services import ISSUE_KIND, request_issue
from declarations.models import Declaration
from outbox.models import OutboxMessage
from outbox.services import enqueue
from tests.certificates.conftest import APPROVAL, after_approval, bureau_user, signing  # noqa: F401 - fixtures
from tests.factories import valid_id_number
from tests.integration.conftest import celery_worker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL or connection.vendor != "postgresql",
                       reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL, as .ci/run sets them"),
]

COUNT = int(os.environ.get("ZC_CERT_BULK_N", "200"))


def _approved_declarations(plan, employer, n):
    users = User.objects.bulk_create([User(username=f"holder{i}", real_name=f"持证人{i}", id_number=valid_id_number(i),
                                           password="!") for i in range(n)])
    RoleMembership.objects.bulk_create([RoleMembership(user=u, organisation=employer, role=Role.APPLICANT)
                                        for u in users])
    declarations = Declaration.objects.bulk_create([
        Declaration(applicant=u, employer=employer, plan=plan, year=plan.year, series=plan.series, level="intermediate",
                    state="approved") for u in users])
    return [d.pk for d in declarations]


def _wait(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_thousand_certificates_by_four_worker_processes(tmp_path, settings, signing, plan, org_tree,  # noqa: F811
                                                          bureau_user):  # noqa: F811
    from config.celery import app

    app.control.purge()
    ids = _approved_declarations(plan, org_tree["employer_a"], COUNT)
    worker_env = {"MEDIA_ROOT": settings.MEDIA_ROOT, "CERT_SIGNING_KEY": settings.CERT_SIGNING_KEY,
                  "CERT_SIGNING_CERT": settings.CERT_SIGNING_CERT, "CERT_SIGNING_PASSPHRASE": settings.CERT_SIGNING_PASSPHRASE,
                  "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL, "CERTIFICATE_ISSUE_CHUNK": 20}
    with celery_worker(tmp_path / "worker.log", pool=("--pool=prefork", "--concurrency=4"), **worker_env):
        started = time.monotonic()
        request_issue(actor=bureau_user, declaration_ids=ids, **APPROVAL)
        _wait(lambda: Certificate.objects.exclude(pdf="").count() == COUNT, 1800, f"{COUNT} certificates with PDFs")
        elapsed = time.monotonic() - started
        print(f"\n{COUNT} certificates issued, rendered and signed by 4 worker processes in {elapsed:.1f} s "
              f"({elapsed / COUNT * 1000:.0f} ms each)")
        certificates = list(Certificate.objects.order_by("sequence"))
        assert [c.sequence for c in certificates] == list(range(1, COUNT + 1))
        assert len({c.number for c in certificates}) == COUNT
        assert len({c.declaration_id for c in certificates}) == COUNT
        assert CertificateCounter.objects.get().last == COUNT
        for certificate in certificates:
            with certificate.pdf.open("rb") as handle:
                assert handle.read(5) == b"%PDF-"
            assert len(certificate.sha256) == 64
        # asking again: nothing left to issue
        assert request_issue(actor=bureau_user, declaration_ids=ids, **APPROVAL) is None
        # delivered again anyway (at-least-once): the worker issues nothing new
        from django.db import transaction
        with transaction.atomic():
            again = enqueue(kind=ISSUE_KIND, payload={"declaration_ids": ids, "approval_document": "重复投递",
                                                      "approved_on": "2026-12-10", "actor_id": bureau_user.pk})
        _wait(lambda: OutboxMessage.objects.get(pk=again.pk).done_at is not None, 120, "the repeated message")
        _wait(lambda: not any((app.control.inspect(timeout=2).active() or {}).values())
              and not any((app.control.inspect(timeout=2).reserved() or {}).values()), 600, "the repeated tasks")
    assert Certificate.objects.count() == COUNT and CertificateCounter.objects.get().last == COUNT
    assert not Certificate.objects.filter(approval_document="重复投递").exists()
    assert Event.objects.filter(action="issue_certificate").count() == COUNT
