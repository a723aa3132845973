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


class Actor(models.TextChoices):
    """Who takes a step: the applicant themself, or a role in the organisation whose step it is."""

    APPLICANT = "applicant", "申报人本人"


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    actor: str
    source_document: str  # the rule the step rests on (a seed code; pages show the document)


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (t.source, t.action): t
    for t in (
        Transition(State.DRAFT, Action.SUBMIT, State.EMPLOYER_REVIEW, Actor.APPLICANT, "004 四(一)"),
        Transition(State.DRAFT, Action.WITHDRAW, State.WITHDRAWN, Actor.APPLICANT, "004 四(一)"),
        Transition(State.EMPLOYER_REVIEW, Action.WITHDRAW, State.WITHDRAWN, Actor.APPLICANT, "004 四(一)"),
        Transition(State.RETURNED, Action.WITHDRAW, State.WITHDRAWN, Actor.APPLICANT, "004 四(三)"),
    )
}


def transition_for(state: str, action: str) -> Transition | None:
    return TRANSITIONS.get((state, action))


def actions_from(state: str) -> list[Transition]:
    """The table's rows leaving ``state``, in the table's order."""
    return [t for (source, _), t in TRANSITIONS.items() if source == state]


def known_action(action: str) -> bool:
    return action in Action.values
