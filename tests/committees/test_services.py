"""Meetings, assignments, the recorded draw, recusal and discipline through the services."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from accounts.errors import DomainError
from accounts.models import Event, Notification, Role
from committees.models import Assignment, Draw, ExpertConflict, MeetingMember, MeetingStatus, Recusal
from committees.services import (
    MeetingError,
    add_group,
    assign_declarations,
    decide_discipline,
    declare_recusal,
    discipline_credit_entry,
    draw_experts,
    record_breach,
    record_conflict,
)
from declarations.services import InvalidInput
from tests.factories import expert, user_with_role

from .conftest import MEETING_DAY, in_review


def test_the_secretary_draws_each_group_and_every_draw_is_recorded(ready_meeting, secretary, experts, declarations):
    draws = draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    ready_meeting.refresh_from_db()
    assert ready_meeting.status == MeetingStatus.DRAWN
    [record] = draws
    assert len(record.seed) == 32 and record.algorithm == "sorted-ids-random-sample" and record.algorithm_version == "1"
    members = list(MeetingMember.objects.filter(meeting=ready_meeting).order_by("position"))
    assert [m.expert_id for m in members] == record.result and len(members) == 5
    assert record.snapshot["on"] == MEETING_DAY.isoformat()
    assert sorted(c["id"] for c in record.snapshot["candidates"]) == sorted(e.pk for e in experts)
    assert set(record.snapshot["applicant_ids"]) == {d.applicant_id for d in declarations}
    assert Event.objects.filter(action="draw_experts", to_state="drawn").count() == 1
    drawn_users = {m.expert.user_id for m in members}
    assert set(Notification.objects.filter(key=f"meeting-drawn-{ready_meeting.pk}")
               .values_list("recipient_id", flat=True)) == drawn_users
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        Draw.objects.filter(pk=record.pk).update(seed="0" * 32)
    with pytest.raises(DomainError) as again:
        draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    assert again.value.code == "MEETING_STATE"


def test_the_draw_passes_over_the_applicants_employers_recorded_conflicts_and_barred_experts(
        ready_meeting, secretary, pool, org_tree, civil, declarations, experts):
    own_employer = [expert(pool, org_tree["employer_a"], specialties=[civil]) for _ in range(3)]
    barred = [expert(pool, org_tree["dept"], specialties=[civil], status="barred") for _ in range(2)]
    record_conflict(actor=secretary, expert_id=experts[0].pk, reason="师生关系", applicant_id=declarations[1].applicant_id)
    record_conflict(actor=secretary, expert_id=experts[1].pk, reason="曾在该公司任职",
                    organisation_id=org_tree["employer_b"].pk)
    [record] = draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    excluded = {e.pk for e in own_employer + barred} | {experts[0].pk, experts[1].pk}
    assert not excluded & set(record.result)
    assert set(record.result) <= {e.pk for e in experts[2:]}
    assert {c["expert_id"] for c in record.snapshot["conflicts"]} == {experts[0].pk, experts[1].pk}


def test_too_few_experts_after_recusal_refuses_and_changes_nothing(ready_meeting, secretary, experts, org_tree):
    for row in experts[:5]:
        row.employer = org_tree["employer_b"]
        row.save()
    with pytest.raises(MeetingError) as info:
        draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    assert info.value.code == "EXPERT_DRAW" and "仅 4 人" in info.value.message
    assert "职称评审管理暂行规定" in info.value.message  # the document, cited from the rulebook
    assert not Draw.objects.exists() and not MeetingMember.objects.exists()
    ready_meeting.refresh_from_db()
    assert ready_meeting.status == MeetingStatus.PLANNED


@pytest.mark.parametrize(("size", "level", "rule"), [(4, "intermediate", "COMMITTEE_SIZE_ODD"),
                                                     (9, "associate_senior", "COMMITTEE_MIN_SPECIALTY")])
def test_composition_limits_refuse_the_draw_naming_rule_and_document(meeting, secretary, meeting_plan, civil,
                                                                       experts, org_tree, size, level, rule):
    meeting_plan.levels = ["intermediate", "associate_senior"]
    meeting_plan.save(update_fields=["levels"])
    meeting.committee.levels = ["intermediate", "associate_senior"]
    meeting.committee.save(update_fields=["levels"])
    group = add_group(actor=secretary, meeting_id=meeting.pk, name="组", level=level, size=size, specialty_id=civil.pk)
    declaration = in_review(meeting_plan, org_tree["employer_a"], specialty=civil)
    declaration.level = level
    declaration.save(update_fields=["level"])
    assign_declarations(actor=secretary, meeting_id=meeting.pk, group_id=group.pk, declaration_ids=[declaration.pk])
    with pytest.raises(MeetingError) as info:
        draw_experts(actor=secretary, meeting_id=meeting.pk)
    assert info.value.code == rule and info.value.kind == "conflict"
    assert "人力资源社会保障部令第40号" in info.value.message
    assert info.value.as_dict()["problems"][0]["rule"] == rule
    assert not Draw.objects.exists()


def test_a_meeting_without_a_valid_committee_filing_refuses_the_draw(ready_meeting, secretary):
    committee = ready_meeting.committee
    committee.filed_until = date(2026, 10, 31)  # expires before the meeting
    committee.save(update_fields=["filed_until"])
    with pytest.raises(MeetingError) as info:
        draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    assert info.value.code == "COMMITTEE_FILING" and "已过期" in info.value.message
    assert not Draw.objects.exists()


def test_an_unfiled_pool_refuses_the_draw(ready_meeting, secretary, pool):
    pool.filing_number = ""
    pool.save(update_fields=["filing_number"])
    with pytest.raises(MeetingError) as info:
        draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    assert info.value.code == "EXPERT_DRAW" and "尚未备案" in info.value.message


def test_only_the_committees_own_secretary_manages_its_meetings(ready_meeting, org_tree, bureau_reviewer):
    from accounts.models import OrganisationKind
    from tests.factories import OrganisationFactory

    other_office = OrganisationFactory(kind=OrganisationKind.COMMITTEE_OFFICE, parent=org_tree["bureau"])
    stranger = user_with_role(Role.COMMITTEE_SECRETARY, other_office)
    with pytest.raises(PermissionDenied):
        draw_experts(actor=stranger, meeting_id=ready_meeting.pk)
    with pytest.raises(PermissionDenied):  # the bureau sees the meeting but does not draw
        draw_experts(actor=bureau_reviewer, meeting_id=ready_meeting.pk)


def test_assignment_takes_declarations_in_committee_review_once_and_directed_ones_apart(
        meeting, secretary, meeting_plan, org_tree, civil, declarations):
    from committees.services import create_meeting

    group = add_group(actor=secretary, meeting_id=meeting.pk, name="土木工程组", level="intermediate", size=5,
                      specialty_id=civil.pk)
    directed_group = add_group(actor=secretary, meeting_id=meeting.pk, name="双定向组", level="intermediate", size=3,
                               directed=True, pass_rate_percent=60)
    draft = in_review(meeting_plan, org_tree["employer_a"], specialty=civil)
    draft.state = "bureau_review"
    draft.save(update_fields=["state"])
    directed = in_review(meeting_plan, org_tree["employer_a"], specialty=civil, route="directed")
    for ids, target, field in [([draft.pk], group, "declarations"), ([directed.pk], group, "declarations"),
                               ([declarations[0].pk], directed_group, "declarations")]:
        with pytest.raises(InvalidInput) as info:
            assign_declarations(actor=secretary, meeting_id=meeting.pk, group_id=target.pk, declaration_ids=ids)
        assert field in info.value.errors
    assign_declarations(actor=secretary, meeting_id=meeting.pk, group_id=directed_group.pk, declaration_ids=[directed.pk])
    assign_declarations(actor=secretary, meeting_id=meeting.pk, group_id=group.pk,
                        declaration_ids=[d.pk for d in declarations])
    assert Assignment.objects.filter(meeting=meeting).count() == 3
    second = create_meeting(actor=secretary, plan_id=meeting_plan.pk, name="第二次会议", held_on=MEETING_DAY,
                            online=True, methods=["expert_review"])
    other = add_group(actor=secretary, meeting_id=second.pk, name="组", level="intermediate", size=3)
    with pytest.raises(InvalidInput) as info:  # at most one meeting that is not closed
        assign_declarations(actor=secretary, meeting_id=second.pk, group_id=other.pk,
                            declaration_ids=[declarations[0].pk])
    assert "已分配到其他会议" in info.value.errors["declarations"]
    assert Event.objects.filter(action="assign_to_meeting").count() == 3


def test_bad_meeting_input_is_a_400_naming_the_field(meeting_plan, secretary, in_window):
    from committees.services import create_meeting

    with pytest.raises(InvalidInput) as info:
        create_meeting(actor=secretary, plan_id=meeting_plan.pk, name="会议", held_on=MEETING_DAY, methods=["dance"])
    assert "methods" in info.value.errors
    with pytest.raises(InvalidInput) as info:
        create_meeting(actor=secretary, plan_id=meeting_plan.pk, name="会议", held_on=MEETING_DAY,
                       methods=["expert_review"])
    assert "place" in info.value.errors


def _opened(meeting):
    from committees.models import Meeting

    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.OPEN)  # opening is the scoring part's service


def test_a_drawn_expert_recuses_only_themselves_once_and_only_for_their_group(ready_meeting, secretary, declarations):
    draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    _opened(ready_meeting)
    first, second = MeetingMember.objects.filter(meeting=ready_meeting).select_related("expert__user")[:2]
    with pytest.raises(PermissionDenied):
        declare_recusal(actor=second.expert.user, member_id=first.pk, declaration_id=declarations[0].pk, reason="亲属")
    with pytest.raises(InvalidInput):
        declare_recusal(actor=first.expert.user, member_id=first.pk, declaration_id=declarations[0].pk, reason=" ")
    recusal = declare_recusal(actor=first.expert.user, member_id=first.pk, declaration_id=declarations[0].pk,
                              reason="近亲属关系")
    assert recusal.member == first
    from committees.selectors import recused

    assert recused(first.pk, declarations[0].pk) and not recused(first.pk, declarations[1].pk)
    with pytest.raises(InvalidInput) as info:
        declare_recusal(actor=first.expert.user, member_id=first.pk, declaration_id=declarations[0].pk, reason="再次")
    assert info.value.kind == "conflict"
    from committees.models import Meeting

    Meeting.objects.filter(pk=ready_meeting.pk).update(status=MeetingStatus.CLOSED)
    with pytest.raises(InvalidInput) as info:
        declare_recusal(actor=first.expert.user, member_id=first.pk, declaration_id=declarations[1].pk, reason="同事")
    assert info.value.code == "MEETING_STATE"
    assert Recusal.objects.count() == 1


def test_a_barred_expert_is_never_drawn_again_in_any_pool(ready_meeting, secretary, bureau_reviewer, experts, pool,
                                                          expert_employers, civil):
    for row in experts[5:]:  # leave exactly five besides the one to be barred
        row.memberships.update(left_on=date(2026, 9, 1))
    culprit = experts[0]
    record = record_breach(actor=secretary, expert_id=culprit.pk, breach="评审期间私下联系申报人")
    with pytest.raises(PermissionDenied):
        decide_discipline(actor=secretary, record_id=record.pk, decision="bar")
    decide_discipline(actor=bureau_reviewer, record_id=record.pk, decision="bar", note="违反评审纪律，终身禁入")
    culprit.refresh_from_db()
    assert culprit.status == "barred"
    assert Event.objects.filter(action="decide_discipline", to_state="barred").exists()
    record.refresh_from_db()
    entry = discipline_credit_entry(record)
    assert entry.user_id == culprit.user_id and "终身禁入" in entry.reason
    extra = expert(pool, expert_employers[0], specialties=[civil])
    [draw] = draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    assert culprit.pk not in draw.result and extra.pk in draw.result
    with pytest.raises(InvalidInput):  # decided once
        decide_discipline(actor=bureau_reviewer, record_id=record.pk, decision="none")


def test_a_suspension_keeps_the_expert_out_until_its_end(secretary, bureau_reviewer, experts, in_window):
    record = record_breach(actor=secretary, expert_id=experts[0].pk, breach="无故缺席评审会议")
    with pytest.raises(InvalidInput):
        decide_discipline(actor=bureau_reviewer, record_id=record.pk, decision="suspend")
    decide_discipline(actor=bureau_reviewer, record_id=record.pk, decision="suspend", suspended_until=date(2027, 6, 30))
    experts[0].refresh_from_db()
    assert experts[0].status == "suspended" and not experts[0].drawable_on(MEETING_DAY)
    assert experts[0].drawable_on(date(2027, 7, 1))
    assert ExpertConflict.objects.count() == 0


@pytest.mark.parametrize("extra", [0, 40])
def test_the_draw_costs_the_same_queries_whatever_the_size_of_the_pool(extra, ready_meeting, secretary, pool,
                                                                       expert_employers, civil,
                                                                       django_assert_max_num_queries):
    for n in range(extra):
        expert(pool, expert_employers[n % 4], specialties=[civil])
    with django_assert_max_num_queries(40):  # 37 at both sizes (PostgreSQL)
        [record] = draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    assert len(record.snapshot["candidates"]) == 9 + extra
