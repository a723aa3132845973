"""Results 公示, objections, approval, filing and the yearly report (issue 18, part 2)."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied

from declarations.models import Declaration
from declarations.services import DeclarationError, InvalidInput, take_action
from reviews.models import Objection, ResultApproval
from tests.reviews.conftest import DAY_AFTER, LAST_DAY, PUBLISHED_ON, move_to

pytestmark = pytest.mark.django_db

CONTACT = {"contact_name": "王某", "contact_phone": "13900001111"}


def _object(declaration_id, **fields):
    from reviews.services import file_result_objection

    decl = Declaration.objects.get(pk=declaration_id)
    publication = decl.result_publications.get()
    return file_result_objection(publication_id=publication.pk, declaration_id=decl.pk,
                                 text=fields.pop("text", "论文抄袭"), **{**CONTACT, **fields})


def test_the_publicity_lasts_the_rulebooks_working_days(publication, declarations):
    assert (publication.starts_on, publication.ends_on, publication.working_days) == (PUBLISHED_ON, LAST_DAY, 5)
    assert set(publication.declarations.values_list("pk", flat=True)) == {d.pk for d in declarations}


def test_publishing_needs_the_bureau_a_closed_meeting_and_passed_declarations(
        ready_meeting, declarations, bureau_user, secretary, settings, org_tree):
    from committees.models import Meeting
    from reviews.services import publish_results

    move_to(settings, PUBLISHED_ON)
    with pytest.raises(DeclarationError) as open_meeting:
        publish_results(actor=bureau_user, meeting_id=ready_meeting.pk)
    assert open_meeting.value.rule == "MEETING_OPEN"
    Meeting.objects.filter(pk=ready_meeting.pk).update(status="closed")
    with pytest.raises(DeclarationError) as nothing:
        publish_results(actor=bureau_user, meeting_id=ready_meeting.pk)
    assert nothing.value.rule == "NOTHING_TO_PUBLISH"
    Declaration.objects.filter(pk=declarations[0].pk).update(state="results_publicity")
    with pytest.raises(PermissionDenied):
        publish_results(actor=secretary, meeting_id=ready_meeting.pk)
    publication = publish_results(actor=bureau_user, meeting_id=ready_meeting.pk)
    assert list(publication.declarations.all()) == [declarations[0]]  # the one that failed is not listed
    with pytest.raises(DeclarationError) as twice:
        publish_results(actor=bureau_user, meeting_id=ready_meeting.pk)
    assert twice.value.rule == "PUBLISHED"


def test_objections_are_taken_on_the_last_day_and_refused_the_day_after(publication, declarations, settings):
    move_to(settings, LAST_DAY)
    objection = _object(declarations[0].pk)
    assert (objection.stage, objection.outcome, objection.recorded_by) == ("results", "open", None)
    move_to(settings, DAY_AFTER)
    with pytest.raises(DeclarationError) as late:
        _object(declarations[0].pk)
    assert late.value.rule == "PROCEDURE_RESULTS" and "公示期外不受理" in late.value.message


@pytest.mark.parametrize(("fields", "field"), [
    ({"contact_name": ""}, "contact_name"),
    ({"contact_phone": "", "contact_email": ""}, "contact_phone"),
    ({"contact_phone": "abc"}, "contact_phone"),
    ({"contact_phone": "", "contact_email": "not-an-address"}, "contact_email"),
    ({"text": " "}, "text"),
])
def test_an_objection_needs_its_text_and_a_way_to_reach_the_filer(publication, declarations, fields, field):
    with pytest.raises(InvalidInput) as bad:
        _object(declarations[0].pk, **fields)
    assert field in bad.value.errors
    assert not Objection.objects.exists()


def test_an_objection_by_e_mail_only_is_taken(publication, declarations):
    assert _object(declarations[0].pk, contact_phone="", contact_email="a@example.cn").contact_email == "a@example.cn"


def test_approval_is_refused_during_the_publicity_and_allowed_after(publication, declarations, bureau_user, settings):
    move_to(settings, LAST_DAY)
    with pytest.raises(DeclarationError) as early:
        take_action(actor=bureau_user, declaration_id=declarations[0].pk, action="approve",
                    payload={"document_number": "长人社职〔2026〕9号"})
    assert early.value.rule == "PROCEDURE_RESULTS" and "人力资源社会保障部令第40号" in early.value.message
    assert Declaration.objects.get(pk=declarations[0].pk).state == "results_publicity"
    assert not ResultApproval.objects.exists()
    move_to(settings, DAY_AFTER)
    approved = take_action(actor=bureau_user, declaration_id=declarations[0].pk, action="approve",
                           payload={"document_number": "长人社职〔2026〕9号"})
    assert approved.state == "approved"
    approval = ResultApproval.objects.get()
    assert (approval.document_number, approval.approved_on) == ("长人社职〔2026〕9号", DAY_AFTER)
    decision = approved.decisions.get(action="approve")
    assert "人力资源社会保障部令第40号" in decision.basis and decision.body.name == "市人社局"
    # the certificate follows through the outbox, with the approval document (certificates.services)
    from outbox.models import OutboxMessage

    [issue] = OutboxMessage.objects.filter(kind="certificates.tasks.dispatch_issue")
    assert issue.payload["declaration_ids"] == [declarations[0].pk]
    assert (issue.payload["approval_document"], issue.payload["approved_on"]) == ("长人社职〔2026〕9号",
                                                                                   DAY_AFTER.isoformat())


def test_approval_waits_for_every_objection_to_be_resolved(publication, declarations, bureau_user, settings):
    from reviews.services import resolve_result_objection

    objection = _object(declarations[0].pk)
    move_to(settings, DAY_AFTER)
    with pytest.raises(DeclarationError) as waiting:
        take_action(actor=bureau_user, declaration_id=declarations[0].pk, action="approve",
                    payload={"document_number": "文9号"})
    assert waiting.value.rule == "OBJECTION"
    resolve_result_objection(actor=bureau_user, objection_id=objection.pk, upheld=False, reason="经核实，论文系本人原创")
    assert take_action(actor=bureau_user, declaration_id=declarations[0].pk, action="approve",
                       payload={"document_number": "文9号"}).state == "approved"


def test_an_upheld_objection_ends_in_not_passed_with_the_reason_and_records_fraud(
        publication, declarations, bureau_user):
    from accounts.models import Event
    from reviews.services import resolve_result_objection

    objection = _object(declarations[1].pk)
    resolve_result_objection(actor=bureau_user, objection_id=objection.pk, upheld=True, fraud=True,
                             reason="经核实，代表作系抄袭")
    declaration = Declaration.objects.get(pk=declarations[1].pk)
    assert declaration.state == "not_passed"
    decision = declaration.decisions.get(action="overturn")
    assert "代表作系抄袭" in decision.comment and decision.to_state == "not_passed"
    objection.refresh_from_db()
    assert (objection.outcome, objection.fraud, objection.resolved_by) == ("upheld", True, bureau_user)
    from accounts.models import CreditRecord

    [credit] = CreditRecord.objects.filter(subject=declaration.applicant)
    assert credit.kind == "applicant" and "代表作系抄袭" in credit.reason and "第40号" in credit.basis
    assert Event.objects.filter(action="record_credit", object_id=str(credit.pk)).exists()
    with pytest.raises(DeclarationError):
        resolve_result_objection(actor=bureau_user, objection_id=objection.pk, upheld=False, reason="再次处理")


def test_overturn_is_only_taken_through_an_upheld_objection(publication, declarations, bureau_user):
    with pytest.raises(DeclarationError) as refused:
        take_action(actor=bureau_user, declaration_id=declarations[0].pk, action="overturn",
                    payload={"comment": "直接改判"})
    assert refused.value.rule == "OBJECTION"


def test_only_the_bureau_resolves_objections(publication, declarations, secretary, org_tree):
    from accounts.models import Role
    from reviews.services import resolve_result_objection
    from tests.factories import user_with_role

    objection = _object(declarations[0].pk)
    other = user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"])
    for outsider in (secretary, other):
        with pytest.raises(PermissionDenied):
            resolve_result_objection(actor=outsider, objection_id=objection.pk, upheld=True, reason="无权")
    assert Objection.objects.get().outcome == "open"


def test_bulk_approval_reports_each_refusal_and_the_filing_is_recorded(
        publication, declarations, bureau_user, settings):
    from reviews.services import approve_results, record_filing

    _object(declarations[1].pk)
    move_to(settings, DAY_AFTER)
    with pytest.raises(InvalidInput) as bad:
        approve_results(actor=bureau_user, publication_id=publication.pk, document_number=" ")
    assert "document_number" in bad.value.errors
    approved, refused = approve_results(actor=bureau_user, publication_id=publication.pk,
                                        document_number="长人社职〔2026〕9号")
    assert approved == [declarations[0].pk]
    assert refused[0][0] == declarations[1].pk and "异议" in refused[0][1]
    approval = ResultApproval.objects.get()
    assert list(approval.declarations.all()) == [declarations[0]]
    filing = record_filing(actor=bureau_user, approval_id=approval.pk, filed_with="山西省人力资源和社会保障厅",
                           filing_number="晋人社职备〔2026〕31号", filed_on=DAY_AFTER.isoformat())
    assert filing.approval == approval
    with pytest.raises(DeclarationError):
        record_filing(actor=bureau_user, approval_id=approval.pk, filed_with="省厅", filing_number="2",
                      filed_on=DAY_AFTER.isoformat())


def test_the_yearly_report_has_its_columns_and_masks_personal_numbers(
        publication, declarations, bureau_user, settings, meeting_plan):
    from accounts.exports import csv_response
    from reviews.selectors import REPORT_COLUMNS, yearly_report_rows
    from reviews.services import approve_results

    applicant = declarations[0].applicant
    applicant.id_number = "11010519491231002X"
    applicant.save(update_fields=["id_number"])
    move_to(settings, DAY_AFTER)
    approve_results(actor=bureau_user, publication_id=publication.pk, document_number="长人社职〔2026〕9号")
    response = csv_response("r.csv", REPORT_COLUMNS, yearly_report_rows(meeting_plan))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == REPORT_COLUMNS == [
        "年度", "评审方案", "评审委员会", "系列", "专业", "层级", "申报渠道", "姓名", "身份证号码", "工作单位",
        "单位行政区划", "评审结果", "公示开始", "公示结束", "审批文号", "审批日期", "备案机关", "备案编号", "备案日期"]
    row = next(r for r in rows[1:] if r[7] == (applicant.real_name or applicant.username))
    assert row[8] == "110***********002X"
    assert row[11] == "评审通过" and row[12:16] == ["2026-11-16", "2026-11-20", "长人社职〔2026〕9号", "2026-11-23"]


def test_the_bureau_is_offered_approve_but_never_overturn(publication, declarations, bureau_user):
    from declarations.selectors import available_actions

    declaration = Declaration.objects.get(pk=declarations[0].pk)
    assert available_actions(bureau_user, declaration) == ["approve"]
