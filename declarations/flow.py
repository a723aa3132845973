"""The declaration's way through review: states, actions and the one transition table (FLOW.md).

Pure data and pure functions. Services (``declarations/services.py``) read the table to decide
whether an action may be taken, pages and the API read it to list the actions a user may take now,
so they never disagree. Later issues add their rows (review chain, committees, results).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class State(models.TextChoices):
    DRAFT = "draft", "草稿"
    EMPLOYER_REVIEW = "employer_review", "单位审核"
    UNIT_PUBLICITY = "unit_publicity", "单位推荐公示"
    DEPARTMENT_REVIEW = "department_review", "主管部门审核"
    BUREAU_REVIEW = "bureau_review", "人社部门政策性审查"
    RETURNED = "returned", "退回补正"
    COMMITTEE_REVIEW = "committee_review", "评委会评审"
    RESULTS_PUBLICITY = "results_publicity", "评审结果公示"
    APPROVED = "approved", "评审通过"
    NOT_RECOMMENDED = "not_recommended", "单位未推荐"
    REJECTED = "rejected", "审核不通过"
    NOT_PASSED = "not_passed", "评审未通过"
    WITHDRAWN = "withdrawn", "已撤回"
    ABANDONED = "abandoned", "视为放弃申报"
    TERMINATED = "terminated", "已终止"


FINAL_STATES = frozenset({State.APPROVED, State.NOT_RECOMMENDED, State.REJECTED, State.NOT_PASSED,
                          State.WITHDRAWN, State.ABANDONED, State.TERMINATED})


class Action(models.TextChoices):
    SUBMIT = "submit", "提交申报"
    WITHDRAW = "withdraw", "撤回申报"
    RETURN = "return", "退回补正"
    RESUBMIT = "resubmit", "补正后重新提交"
    RECOMMEND = "recommend", "推荐"
    NOT_RECOMMEND = "not_recommend", "不予推荐"
    FORWARD = "forward", "推送上报"
    PASS = "pass", "审核通过"
    REJECT = "reject", "审核不通过"
    PASS_REVIEW = "pass_review", "评审通过"
    FAIL_REVIEW = "fail_review", "评审未通过"
    APPROVE = "approve", "审批通过"
    OVERTURN = "overturn", "异议成立，评审未通过"
    # taken by the deadline sweeps (reviews/deadlines), never offered to a user
    ABANDON = "abandon", "逾期未补正，视为放弃申报"
    TERMINATE = "terminate", "逾期未完成，终止"


class Actor(models.TextChoices):
    """Who takes a step: the applicant themself, or a role in the organisation whose step it is."""

    APPLICANT = "applicant", "申报人本人"
    EMPLOYER_STAFF = "employer_staff", "申报单位经办人或管理员"
    EMPLOYER_ADMIN = "employer_admin", "申报单位管理员"
    DEPARTMENT = "department", "主管部门审核人"
    BUREAU = "bureau", "人社部门审核人"
    COMMITTEE_SECRETARY = "committee_secretary", "评委会秘书"
    SYSTEM = "system", "系统（到期自动处理）"


# Targets decided when the action is taken: where the return came from; the next audit level.
RETURNED_FROM = "<returned_from>"
NEXT_AUDIT = "<next_audit>"


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    actor: str
    basis: str  # the citation key of the rule the step rests on (titles.documents: rulebook data)


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (t.source, t.action): t
    for t in (
        Transition(State.DRAFT, Action.SUBMIT, State.EMPLOYER_REVIEW, Actor.APPLICANT, "PROCEDURE_DECLARATION"),
        Transition(State.DRAFT, Action.WITHDRAW, State.WITHDRAWN, Actor.APPLICANT, "PROCEDURE_DECLARATION"),
        Transition(State.EMPLOYER_REVIEW, Action.WITHDRAW, State.WITHDRAWN, Actor.APPLICANT, "PROCEDURE_DECLARATION"),
        Transition(State.RETURNED, Action.WITHDRAW, State.WITHDRAWN, Actor.APPLICANT, "PROCEDURE_CORRECTION"),
        Transition(State.RETURNED, Action.RESUBMIT, RETURNED_FROM, Actor.APPLICANT, "PROCEDURE_CORRECTION"),
        # the employer: verification, 民主评议 and recommendation within the post quota, the unit's 公示
        Transition(State.EMPLOYER_REVIEW, Action.RETURN, State.RETURNED, Actor.EMPLOYER_STAFF, "PROCEDURE_CORRECTION"),
        Transition(State.EMPLOYER_REVIEW, Action.RECOMMEND, State.UNIT_PUBLICITY, Actor.EMPLOYER_ADMIN,
                   "PROCEDURE_RECOMMENDATION"),
        Transition(State.EMPLOYER_REVIEW, Action.NOT_RECOMMEND, State.NOT_RECOMMENDED, Actor.EMPLOYER_ADMIN,
                   "PROCEDURE_RECOMMENDATION"),
        Transition(State.UNIT_PUBLICITY, Action.FORWARD, NEXT_AUDIT, Actor.EMPLOYER_ADMIN, "PROCEDURE_RECOMMENDATION"),
        # an objection upheld during the 公示 (reviews.services.resolve_objection) ends the recommendation
        Transition(State.UNIT_PUBLICITY, Action.NOT_RECOMMEND, State.NOT_RECOMMENDED, Actor.EMPLOYER_ADMIN,
                   "PROCEDURE_RECOMMENDATION"),
        # 逐级审核: the competent department, then the HR bureau's policy review (002 二(二)5)
        Transition(State.DEPARTMENT_REVIEW, Action.PASS, State.BUREAU_REVIEW, Actor.DEPARTMENT, "PROCEDURE_AUDIT"),
        Transition(State.DEPARTMENT_REVIEW, Action.RETURN, State.RETURNED, Actor.DEPARTMENT, "PROCEDURE_CORRECTION"),
        Transition(State.DEPARTMENT_REVIEW, Action.REJECT, State.REJECTED, Actor.DEPARTMENT, "PROCEDURE_AUDIT"),
        Transition(State.BUREAU_REVIEW, Action.PASS, State.COMMITTEE_REVIEW, Actor.BUREAU, "PROCEDURE_POLICY_REVIEW"),
        Transition(State.BUREAU_REVIEW, Action.RETURN, State.RETURNED, Actor.BUREAU, "PROCEDURE_CORRECTION"),
        Transition(State.BUREAU_REVIEW, Action.REJECT, State.REJECTED, Actor.BUREAU, "PROCEDURE_POLICY_REVIEW"),
        # the committee's secret ballot, carried out when the secretary closes the meeting
        # (committees.voting.close_meeting: the only caller; never a button on the declaration's page)
        Transition(State.COMMITTEE_REVIEW, Action.PASS_REVIEW, State.RESULTS_PUBLICITY, Actor.COMMITTEE_SECRETARY,
                   "PROCEDURE_COMMITTEE"),
        Transition(State.COMMITTEE_REVIEW, Action.FAIL_REVIEW, State.NOT_PASSED, Actor.COMMITTEE_SECRETARY,
                   "PROCEDURE_COMMITTEE"),
        # results 公示 (004 四(五)): approval once it has ended without an open or upheld objection; an
        # objection upheld by the bureau (reviews.services.resolve_result_objection) overturns the result
        Transition(State.RESULTS_PUBLICITY, Action.APPROVE, State.APPROVED, Actor.BUREAU, "PROCEDURE_RESULTS"),
        Transition(State.RESULTS_PUBLICITY, Action.OVERTURN, State.NOT_PASSED, Actor.BUREAU, "PROCEDURE_RESULTS"),
        # the deadline sweeps (reviews/deadlines, through declarations.bulk.take_system_action):
        # a correction not made by its deadline is abandoned (视为放弃申报, 004 四(三)) ...
        Transition(State.RETURNED, Action.ABANDON, State.ABANDONED, Actor.SYSTEM, "PROCEDURE_CORRECTION"),
        # ... and what is unfinished on 07-31 of the year after the plan's is terminated (002 五(三))
        *(Transition(state, Action.TERMINATE, State.TERMINATED, Actor.SYSTEM, "TERMINATE_UNFINISHED")
          for state in State.values if state not in FINAL_STATES),
    )
}


# Actions taken only by a service on a body's record (the committee's tally, the bureau's finding on a
# results objection), never offered to a user as a button or in the API's ``actions``
SERVICE_ONLY = frozenset({Action.PASS_REVIEW, Action.FAIL_REVIEW, Action.OVERTURN})


def system_sources(action: str) -> list[str]:
    """The states a system action (``Actor.SYSTEM``) leaves, from the table."""
    return [t.source for t in TRANSITIONS.values() if t.action == action and t.actor == Actor.SYSTEM]


def transition_for(state: str, action: str) -> Transition | None:
    return TRANSITIONS.get((state, action))


def actions_from(state: str) -> list[Transition]:
    """The table's rows leaving ``state``, in the table's order."""
    return [t for (source, _), t in TRANSITIONS.items() if source == state]


def known_action(action: str) -> bool:
    return action in Action.values
