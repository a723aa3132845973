"""Issuance: through the outbox, idempotent, numbered without gap; refusals name their rule."""

import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from accounts.errors import DomainError
from accounts.models import Event, Role
from certificates.models import Certificate, CertificateCounter
from certificates.services import issue_certificates, request_issue
from outbox.models import OutboxMessage
from tests.certificates.conftest import APPROVAL, approved, holder
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^2026-140400-(\d{4})-(\d{6})$")


def test_request_issue_goes_through_the_outbox_and_the_worker_issues_each_once(
        settings, signing, plan, org_tree, bureau_user, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CERTIFICATE_ISSUE_CHUNK = 2
    declarations = [approved(holder(org_tree, n), plan) for n in range(3)]
    ids = [d.pk for d in declarations]
    with django_capture_on_commit_callbacks(execute=True):
        message = request_issue(actor=bureau_user, declaration_ids=ids, **APPROVAL)
    assert message.kind == "certificates.tasks.dispatch_issue" and message.payload["declaration_ids"] == ids
    message.refresh_from_db()
    assert message.done_at is not None
    certificates = list(Certificate.objects.order_by("sequence"))
    assert [c.declaration_id for c in certificates] == ids
    assert [c.sequence for c in certificates] == [1, 2, 3]
    committee = f"{plan.committee_id:04d}"
    assert [c.number for c in certificates] == [f"2026-140400-{committee}-00000{i}" for i in (1, 2, 3)]
    assert all(c.pdf and len(c.sha256) == 64 and c.holder_id_masked.startswith("140") for c in certificates)
    assert all(len(c.verification_code) == 8 and not set(c.verification_code) & set("01OIL") for c in certificates)
    assert CertificateCounter.objects.get().last == 3
    assert Event.objects.filter(action="issue_certificate").count() == 3
    # asked again: nothing new to issue, nothing enqueued
    with django_capture_on_commit_callbacks(execute=True):
        assert request_issue(actor=bureau_user, declaration_ids=ids, **APPROVAL) is None
    assert OutboxMessage.objects.filter(kind="certificates.tasks.dispatch_issue").count() == 1
    # delivered twice anyway (the outbox is at-least-once): the same certificates
    again = issue_certificates(declaration_ids=ids, **APPROVAL)
    assert [c.pk for c in again] == [c.pk for c in certificates]
    assert Certificate.objects.count() == 3 and CertificateCounter.objects.get().last == 3
    assert declarations[0].applicant.notifications.filter(title__contains="电子证书").count() == 1


def test_a_failed_render_keeps_the_number_and_the_retry_renders_it(settings, signing, plan, org_tree):
    declaration = approved(holder(org_tree), plan)
    settings.CERT_SIGNING_KEY = settings.CERT_SIGNING_KEY.parent / "missing.pem"
    with pytest.raises(RuntimeError, match="找不到电子证书签名文件"):
        issue_certificates(declaration_ids=[declaration.pk], **APPROVAL)
    certificate = Certificate.objects.get()
    assert certificate.sequence == 1 and not certificate.pdf
    settings.CERT_SIGNING_KEY = settings.CERT_SIGNING_CERT.parent / "key.pem"
    [again] = issue_certificates(declaration_ids=[declaration.pk], **APPROVAL)
    assert again.pk == certificate.pk and again.pdf and again.sequence == 1
    assert CertificateCounter.objects.get().last == 1


def test_numbers_count_per_year_region_and_committee(signing, plan, org_tree, monkeypatch):
    from certificates import services
    from tests.factories import committee, review_plan

    monkeypatch.setattr(services, "attach_pdf", lambda certificate_id: Certificate.objects.get(pk=certificate_id))
    other = review_plan(org_tree["bureau"], committee=committee(org_tree["bureau"], name="工程系列副高级评审委员会"))
    first, second = approved(holder(org_tree, 1), plan), approved(holder(org_tree, 2), plan)
    third = approved(holder(org_tree, 3), other, specialty=False)
    issued = issue_certificates(declaration_ids=[first.pk, third.pk, second.pk], **APPROVAL)
    assert [NUMBER.match(c.number).groups() for c in issued] == [
        (f"{plan.committee_id:04d}", "000001"), (f"{other.committee_id:04d}", "000001"),
        (f"{plan.committee_id:04d}", "000002")]


def test_no_certificate_for_a_direct_junior_appointment(signing, plan, org_tree, bureau_user):
    direct = approved(holder(org_tree, 1), plan, level="assistant", route="initial")
    regular = approved(holder(org_tree, 2), plan)
    with pytest.raises(DomainError) as refused:
        request_issue(actor=bureau_user, declaration_ids=[direct.pk, regular.pk], **APPROVAL)
    assert refused.value.code == "CERT_DIRECT_APPOINTMENT" and refused.value.kind == "conflict"
    assert "不发放任职资格证书" in refused.value.message and "黔东南人社局通〔2017〕180号" in refused.value.message
    assert not OutboxMessage.objects.exists()
    # the worker refuses it too (a request made before the rule, a hand-made message)
    assert issue_certificates(declaration_ids=[direct.pk], **APPROVAL) == []
    assert not Certificate.objects.exists()


def test_only_approved_declarations_and_only_the_bureau_of_their_region(signing, plan, org_tree, bureau_user):
    pending = approved(holder(org_tree, 1), plan, state="results_publicity")
    with pytest.raises(DomainError) as refused:
        request_issue(actor=bureau_user, declaration_ids=[pending.pk], **APPROVAL)
    assert refused.value.code == "not_approved" and "尚未评审通过" in refused.value.message
    declaration = approved(holder(org_tree, 2), plan)
    other_bureau = user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"])
    with pytest.raises(PermissionDenied):
        request_issue(actor=other_bureau, declaration_ids=[declaration.pk], **APPROVAL)
    with pytest.raises(PermissionDenied):
        request_issue(actor=declaration.applicant, declaration_ids=[declaration.pk], **APPROVAL)


@pytest.mark.parametrize(("changes", "field"), [
    ({"approval_document": " "}, "approval_document"),
    ({"approved_on": "2026-13-01"}, "approved_on"),
    ({"approved_on": date(2027, 1, 5)}, "approved_on"),
    ({"declaration_ids": ["x"]}, "declaration_ids"),
    ({"declaration_ids": []}, "declaration_ids"),
])
def test_bad_input_names_the_field(signing, plan, org_tree, bureau_user, changes, field):
    declaration = approved(holder(org_tree), plan)
    arguments = {"declaration_ids": [declaration.pk], **APPROVAL, **changes}
    with pytest.raises(DomainError) as refused:
        request_issue(actor=bureau_user, **arguments)
    assert list(refused.value.errors) == [field]
    assert not OutboxMessage.objects.exists()


def test_a_grassroots_associate_senior_title_states_its_scope(signing, plan, org_tree, monkeypatch):
    from certificates import services

    monkeypatch.setattr(services, "attach_pdf", lambda certificate_id: Certificate.objects.get(pk=certificate_id))
    plan.committee.scope = "全市基层事业单位"
    plan.committee.save(update_fields=["scope"])
    declaration = approved(holder(org_tree), plan, level="associate_senior")
    [certificate] = issue_certificates(declaration_ids=[declaration.pk], **APPROVAL)
    assert certificate.scope.startswith("基层副高级职称，仅在基层事业单位有效")


@pytest.mark.skipif(not __import__("django.conf").conf.settings.REDIS_URL, reason="needs REDIS_URL (a real broker)")
def test_the_request_stays_pending_until_done_and_resends_only_what_stalled(settings, signing, plan, org_tree,
                                                                           bureau_user, monkeypatch):
    """The broker accepts the chunks and loses them (purged here): the outbox message stays pending and
    its next delivery sends them again; while certificates are coming in, nothing is sent twice."""
    from certificates import services
    from config.celery import app
    from outbox.services import deliver

    monkeypatch.setattr(services, "attach_pdf", lambda certificate_id: Certificate.objects.filter(
        pk=certificate_id).update(pdf=f"certificates/x-{certificate_id}.pdf") or Certificate.objects.get(pk=certificate_id))
    settings.CERTIFICATE_ISSUE_CHUNK = 2
    app.control.purge()
    ids = [approved(holder(org_tree, n), plan).pk for n in range(3)]
    message = request_issue(actor=bureau_user, declaration_ids=ids, **APPROVAL)
    assert deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.done_at is None and "尚有 3 张未完成（本次发出 2 个任务）" in message.last_error
    assert app.control.purge() == 2  # the two chunks reached the broker, and are lost now
    assert deliver(message_id=message.pk) is False  # stalled: sent again
    assert app.control.purge() == 2
    issue_certificates(declaration_ids=ids[:1], **APPROVAL)  # progress: the next check sends nothing
    assert deliver(message_id=message.pk) is False
    assert app.control.purge() == 0
    message.refresh_from_db()
    assert "尚有 2 张未完成（本次发出 0 个任务）" in message.last_error
    issue_certificates(declaration_ids=ids, **APPROVAL)
    assert deliver(message_id=message.pk) is True
    assert app.control.purge() == 0
