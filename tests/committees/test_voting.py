import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from accounts.errors import DomainError
from accounts.models import Event
from committees.models import Ballot, BallotBox, MeetingStatus, Tally, VoterRoll
from committees.services import declare_recusal
from committees.voting import (
    cast_ballot,
    close_ballot,
    close_meeting,
    open_ballot,
    open_meeting,
    record_attendance,
    sign_off_tally,
)
from declarations.flow import State
from declarations.selectors import available_actions
from declarations.services import take_action
from reviews.models import Decision

from .scoring_fixtures import attend, members_of

pytestmark = pytest.mark.django_db


def _error(call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


def test_a_meeting_below_quorum_cannot_open_the_ballot(opened, secretary):
    attend(opened, secretary, 3)  # 3 of 5: 3 × 3 < 2 × 5
    error = _error(open_ballot, actor=secretary, meeting_id=opened.pk)
    assert error.code == "MEETING_QUORUM" and "第40号" in error.message and "3 人" in error.message
    opened.refresh_from_db()
    assert opened.status == MeetingStatus.OPEN and not BallotBox.objects.exists()
    record_attendance(actor=secretary, meeting_id=opened.pk, member_id=members_of(opened)[3].pk, present=True)
    box = open_ballot(actor=secretary, meeting_id=opened.pk)
    assert (box.present, box.members, box.quorum, box.pass_share) == (4, 5, "2/3", "2/3")


def test_nothing_before_the_meeting_opens_and_only_the_secretary_runs_it(drawn, secretary, declarations):
    expert_user = members_of(drawn)[0].expert.user
    with pytest.raises(PermissionDenied):
        open_meeting(actor=expert_user, meeting_id=drawn.pk)
    assert _error(open_ballot, actor=secretary, meeting_id=drawn.pk).code == "MEETING_STATE"
    assert _error(record_attendance, actor=secretary, meeting_id=drawn.pk, member_id=members_of(drawn)[0].pk,
                  present=True).code == "MEETING_STATE"


def _vote_and_close(meeting, secretary, declarations):
    """Four of five present; the fourth recuses from the first declaration. First: 2 for of 3 (exactly 2/3,
    passes); second: 2 for, 1 against, 1 abstain of 4 (just below 2/3, fails)."""
    first, second = declarations
    members = attend(meeting, secretary, 4)
    declare_recusal(actor=members[3].expert.user, member_id=members[3].pk, declaration_id=first.pk, reason="同事")
    open_ballot(actor=secretary, meeting_id=meeting.pk)
    for member, choice in zip(members[:3], ["for", "for", "against"], strict=True):
        cast_ballot(actor=member.expert.user, meeting_id=meeting.pk, declaration_id=first.pk, choice=choice)
    for member, choice in zip(members[:4], ["for", "against", "for", "abstain"], strict=True):
        cast_ballot(actor=member.expert.user, meeting_id=meeting.pk, declaration_id=second.pk, choice=choice)
    return members


def test_exactly_two_thirds_passes_just_below_fails_and_closing_moves_the_declarations(
        opened, secretary, declarations):
    first, second = declarations
    members = _vote_and_close(opened, secretary, declarations)
    # a recused or absent expert cannot vote, nobody twice, and the verdict is not a button
    assert _error(cast_ballot, actor=members[3].expert.user, meeting_id=opened.pk, declaration_id=first.pk,
                  choice="for").code == "EXPERT_DRAW"
    assert _error(cast_ballot, actor=members[4].expert.user, meeting_id=opened.pk, declaration_id=first.pk,
                  choice="for").code == "MEETING_QUORUM"
    assert _error(cast_ballot, actor=members[0].expert.user, meeting_id=opened.pk, declaration_id=first.pk,
                  choice="against").code == "BALLOT_CAST"
    assert "pass_review" not in available_actions(secretary, first)
    assert _error(take_action, actor=secretary, declaration_id=first.pk, action="pass_review",
                  payload={}).code == "PROCEDURE_COMMITTEE"
    assert _error(close_meeting, actor=secretary, meeting_id=opened.pk).code == "MEETING_STATE"

    tallies = {t.declaration_id: t for t in close_ballot(actor=secretary, meeting_id=opened.pk)}
    assert (tallies[first.pk].approvals, tallies[first.pk].eligible, tallies[first.pk].passed) == (2, 3, True)
    assert (tallies[second.pk].approvals, tallies[second.pk].eligible, tallies[second.pk].passed) == (2, 4, False)
    assert _error(cast_ballot, actor=members[1].expert.user, meeting_id=opened.pk, declaration_id=first.pk,
                  choice="for").code == "BALLOT_CLOSED"  # no late ballots
    assert _error(close_meeting, actor=secretary, meeting_id=opened.pk).code == "MEETING_STATE"  # not signed

    sign_off_tally(actor=secretary, meeting_id=opened.pk)
    tally = Tally.objects.get(declaration=first)
    tally.approvals = 3
    with pytest.raises(PermissionError):
        tally.save()
    close_meeting(actor=secretary, meeting_id=opened.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    opened.refresh_from_db()
    assert (first.state, second.state, opened.status) == (State.RESULTS_PUBLICITY, State.NOT_PASSED,
                                                            MeetingStatus.CLOSED)
    decision = Decision.objects.get(declaration=first, action="pass_review")
    assert decision.body == opened.committee.office and decision.actor == secretary
    assert "同意 2 票" in decision.basis and "第40号" in decision.basis and opened.committee.name in decision.basis
    assert Decision.objects.get(declaration=second).to_state == State.NOT_PASSED


def test_the_schema_and_the_event_log_link_no_ballot_to_its_expert(opened, secretary, declarations):
    members = _vote_and_close(opened, secretary, declarations)
    ballot_ids = {str(pk) for pk in Ballot.objects.values_list("pk", flat=True)}
    table = Ballot._meta.db_table
    with connection.cursor() as cursor:
        columns = {c.name: c for c in connection.introspection.get_table_description(cursor, table)}
        constraints = connection.introspection.get_constraints(cursor, table)
    assert set(columns) == {"id", "meeting_id", "declaration_id", "choice"}
    references = {c["foreign_key"][0] for c in constraints.values() if c["foreign_key"]}
    assert references == {"committees_meeting", "declarations_declaration"}
    indexed = {tuple(c["columns"]) for c in constraints.values() if c["index"] or c["primary_key"]}
    assert indexed <= {("id",), ("meeting_id",), ("declaration_id",)}
    assert Ballot._meta.pk.get_internal_type() == "UUIDField" and not Ballot._meta.ordering
    assert not any(f.get_internal_type() in ("DateTimeField", "DateField", "AutoField", "BigAutoField")
                   for f in Ballot._meta.get_fields() if hasattr(f, "get_internal_type"))
    # the roll says who, never what; the log says "voted", never a choice or a ballot
    assert {f.name for f in VoterRoll._meta.get_fields()} == {"id", "meeting", "declaration", "member"}
    votes = Event.objects.filter(action="cast_ballot")
    assert votes.count() == 7 and {e.actor_id for e in votes} == {m.expert.user_id for m in members[:4]}
    for event in Event.objects.all():
        text = " ".join(str(v) for v in (event.object_id, event.object_repr, event.comment, event.from_state,
                                         event.to_state))
        assert not any(pk in text for pk in ballot_ids)
        assert not any(word in text for word in ("同意", "不同意", "弃权", "against", "abstain"))
    # closing the ballot rewrites every ballot with a new key, in one transaction, in a random order
    close_ballot(actor=secretary, meeting_id=opened.pk)
    assert not ballot_ids & {str(pk) for pk in Ballot.objects.values_list("pk", flat=True)}
    assert Ballot.objects.count() == 7
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT xmin::text FROM {table}")
            ballot_xmins = {row[0] for row in cursor.fetchall()}
            cursor.execute(f"SELECT DISTINCT xmin::text FROM {VoterRoll._meta.db_table}")
            roll_xmins = {row[0] for row in cursor.fetchall()}
        assert len(ballot_xmins) == 1 and not ballot_xmins & roll_xmins


def test_a_directed_group_s_own_pass_rate_caps_how_many_of_it_pass(
        meeting, secretary, meeting_plan, org_tree, civil, experts, menu):
    from committees.scoring import save_score, submit_score
    from committees.services import add_group, assign_declarations, draw_experts

    from .conftest import in_review
    from .scoring_fixtures import FULL

    directed = [in_review(meeting_plan, org_tree["employer_a"], route="directed", specialty=civil) for _ in range(2)]
    group = add_group(actor=secretary, meeting_id=meeting.pk, name="双定向组", level="intermediate", size=3,
                      specialty_id=civil.pk, directed=True, pass_rate_percent=50)
    assign_declarations(actor=secretary, meeting_id=meeting.pk, group_id=group.pk,
                        declaration_ids=[d.pk for d in directed])
    draw_experts(actor=secretary, meeting_id=meeting.pk)
    open_meeting(actor=secretary, meeting_id=meeting.pk)
    members = attend(meeting, secretary, 3)
    # the second declaration scores higher: with equal approvals it takes the one place
    for member in members:
        for declaration, points in zip(directed, [{**FULL, "ability": 20}, FULL], strict=True):
            save_score(actor=member.expert.user, declaration_id=declaration.pk, points=points)
            submit_score(actor=member.expert.user, declaration_id=declaration.pk)
    open_ballot(actor=secretary, meeting_id=meeting.pk)
    for member in members:
        for declaration in directed:
            cast_ballot(actor=member.expert.user, meeting_id=meeting.pk, declaration_id=declaration.pk, choice="for")
    tallies = {t.declaration_id: t for t in close_ballot(actor=secretary, meeting_id=meeting.pk)}
    assert [tallies[d.pk].passed for d in directed] == [False, True]
    assert "超出双定向评审组通过率 50%（1 个名额）" in tallies[directed[0].pk].reason
