"""Revocation (001 四(三)): verification shows it at once; fraud writes a credit record (001 四(四)) that
the eligibility BAN rule sees at the holder's next declaration, citing the record, until it expires."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import CreditRecord, Event, Role
from accounts.services import record_credit
from certificates.models import Certificate
from certificates.services import issue_certificates, revoke_certificate
from declarations.selectors import eligibility_case, profile_of
from declarations.services import DeclarationError, start_declaration, submission_problems, take_action
from tests.certificates.conftest import APPROVAL, approved, holder
from tests.declarations.conftest import attach_required_materials, fill_profile
from tests.factories import VALID_2026_PHASES, review_plan, user_with_role
from titles.models import ReviewPlan
from titles.selectors import eligibility_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(plan, org_tree, monkeypatch):
    from certificates import services

    monkeypatch.setattr(services, "attach_pdf", lambda certificate_id: Certificate.objects.get(pk=certificate_id))
    person = holder(org_tree)
    fill_profile(person, series=plan.series)
    [certificate] = issue_certificates(declaration_ids=[approved(person, plan).pk], **APPROVAL)
    return certificate


def _ban(declaration, as_of):
    verdict = eligibility_verdict(eligibility_case(declaration, profile_of(declaration.applicant), as_of=as_of))
    return next(check for check in verdict["checks"] if check["rule"] == "BAN")


def test_a_title_revoked_for_fraud_bars_the_next_declaration_citing_the_record_until_it_expires(
        settings, issued, plan, org_tree, bureau_user, client):
    revoke_certificate(actor=bureau_user, certificate_id=issued.pk, reason="fraud", text="业绩材料系伪造")
    issued.refresh_from_db()
    assert issued.status == "revoked" and issued.revocation_basis.startswith("《职称评审管理暂行规定》")
    record = CreditRecord.objects.get(subject=issued.holder)
    assert (record.kind, record.starts_on, record.expires_on) == ("applicant", date(2026, 12, 15), date(2029, 12, 15))
    assert "记录期限为3年" in record.basis and record.source == f"撤销证书 {issued.number}"
    assert Event.objects.filter(action="revoke_certificate").count() == 1
    assert Event.objects.filter(action="record_credit").count() == 1
    # the next year's declaration
    phases = {kind: (start.replace("2026", "2027"), end.replace("2026", "2027"))
              for kind, (start, end) in VALID_2026_PHASES.items()}
    next_plan = review_plan(org_tree["bureau"], year=2027, issued_on="2027-07-01", phases=phases,
                            committee=plan.committee)
    ReviewPlan.objects.filter(pk=next_plan.pk).update(status=ReviewPlan.Status.PUBLISHED)
    settings.ZC_TODAY = date(2027, 9, 15)
    declaration = start_declaration(actor=issued.holder, plan_id=next_plan.pk, level="intermediate")
    attach_required_materials(declaration, issued.holder)
    problems = {p["rule"]: p["message"] for p in submission_problems(declaration)}
    assert f"职称评审诚信档案第 {record.pk} 号" in problems["BAN"] and "至 2029-12-15 期满" in problems["BAN"]
    with pytest.raises(DeclarationError) as refused:
        take_action(actor=issued.holder, declaration_id=declaration.pk, action="submit", payload={"pledge": True})
    assert "诚信档案" in str(refused.value)
    assert declaration.versions.count() == 0
    # the wizard shows it beside the form
    client.force_login(issued.holder)
    assert f"职称评审诚信档案第 {record.pk} 号" in client.get(f"/declarations/{declaration.pk}/edit/").content.decode()
    # in force up to the day before expiry; gone on its own after
    assert not _ban(declaration, date(2029, 12, 14))["passed"]
    after = _ban(declaration, date(2029, 12, 15))
    assert after["passed"] and "至 2029-12-15 期满" in after["message"]
    assert CreditRecord.objects.in_force(date(2029, 12, 14)).count() == 1
    assert CreditRecord.objects.in_force(date(2029, 12, 15)).count() == 0


def test_the_public_verification_shows_the_revocation_at_once(issued, bureau_user, client):
    url = f"/api/v1/certificates/verify/?number={issued.number}&code={issued.verification_code}"
    assert client.get(url).json()["status"] == "valid"
    revoke_certificate(actor=bureau_user, certificate_id=issued.pk, reason="ineligible", text="任职年限不足")
    body = client.get(url).json()
    issued.refresh_from_db()
    assert (body["status"], body["revoked_on"], body["revocation_reason_display"]) == (
        "revoked", timezone.localdate(issued.revoked_at).isoformat(), "不符合申报条件")
    assert "任职年限不足" not in str(body)  # the reason category only, never the text
    assert not CreditRecord.objects.exists()  # not the holder's breach: no credit record


def test_only_the_bureau_of_the_region_revokes_and_only_once(issued, org_tree, bureau_user):
    other_bureau = user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"])
    with pytest.raises(PermissionDenied):
        revoke_certificate(actor=other_bureau, certificate_id=issued.pk, reason="fraud", text="x")
    employer_admin = user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_a"])
    with pytest.raises(PermissionDenied):
        revoke_certificate(actor=employer_admin, certificate_id=issued.pk, reason="fraud", text="x")
    with pytest.raises(DomainError) as refused:
        revoke_certificate(actor=bureau_user, certificate_id=issued.pk, reason="fraud", text=" ")
    assert list(refused.value.errors) == ["text"]
    with pytest.raises(DomainError) as refused:
        revoke_certificate(actor=bureau_user, certificate_id=issued.pk, reason="whim", text="x")
    assert list(refused.value.errors) == ["reason"]
    revoke_certificate(actor=bureau_user, certificate_id=issued.pk, reason="fraud", text="伪造")
    with pytest.raises(DomainError) as refused:
        revoke_certificate(actor=bureau_user, certificate_id=issued.pk, reason="fraud", text="伪造")
    assert refused.value.code == "already_revoked"
    assert CreditRecord.objects.count() == 1


def test_credit_records_for_experts_and_staff_expire_by_the_rulebook(org_tree, bureau_user):
    from titles.models import RulebookVersion

    expert = user_with_role(Role.EXPERT, org_tree["bureau"])
    record = record_credit(actor=bureau_user, subject=expert, kind="expert", reason="泄露评审信息",
                           starts_on=date(2026, 3, 1))
    assert record.expires_on == date(2029, 3, 1) and "第七章 法律责任" in record.basis
    RulebookVersion.objects.create(name="长治", region_code="140400", status="active",
                                   calendar={"credit_record_years": 5})
    staff = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    assert record_credit(actor=bureau_user, subject=staff, kind="staff", reason="违规审核",
                         starts_on=date(2026, 3, 1)).expires_on == date(2031, 3, 1)
    with pytest.raises(PermissionDenied):
        record_credit(actor=staff, subject=expert, kind="expert", reason="x")
    with pytest.raises(DomainError):
        record_credit(actor=bureau_user, subject=expert, kind="alien", reason="x")
