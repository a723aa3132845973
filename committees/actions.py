"""The committee's moves of the declaration flow (``declarations/flow.py``): ``pass_review`` and
``fail_review``, carried out only by ``committees.voting.close_meeting`` on a signed-off tally. The
decision's basis is the tally with the rule it met or missed, citing the rulebook."""

from accounts.errors import CONFLICT
from reviews.actions import Outcome
from titles.documents import citation
from titles.selectors import plan_citations

from .models import Tally


def _verdict(*, actor, declaration, payload, request, passed: bool) -> Outcome:
    from declarations.services import InvalidInput

    from .voting import closing_meeting

    meeting_id = closing_meeting.get()
    tally = (Tally.objects.select_related("meeting__committee", "meeting__ballot_box")
             .filter(pk=payload.get("tally"), declaration=declaration, meeting_id=meeting_id).first()
             if meeting_id is not None and isinstance(payload.get("tally"), int) else None)
    if tally is None or tally.meeting.ballot_box.signed_off_at is None or tally.passed != passed:
        raise InvalidInput({"action": "评审结果由评委会秘书结束评审会议时依签认的计票结果办理"},
                           code="PROCEDURE_COMMITTEE", kind=CONFLICT)
    meeting = tally.meeting
    basis = (f"{meeting.committee.name}“{meeting.name}”无记名投票：{tally.reason}"
             f"（依据：{citation(plan_citations(declaration.plan), 'PROCEDURE_COMMITTEE')}）")
    return Outcome(comment=f"{meeting.committee.name}评审{'通过' if passed else '未通过'}", basis=basis[:300])


def pass_review(**kwargs) -> Outcome:
    return _verdict(passed=True, **kwargs)


def fail_review(**kwargs) -> Outcome:
    return _verdict(passed=False, **kwargs)


HANDLERS = {"pass_review": pass_review, "fail_review": fail_review}
