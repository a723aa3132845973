"""The eligibility engine: facts in, verdict out (contract: ELIGIBILITY.md, "Rules, in order").

Pure functions only. Every number comes from the rulebook; each rule has one `check_*` function
(rules.py, tenure.py) that returns a `Check`, or None when the rule does not apply to the case.
"""

from __future__ import annotations

from .counting import build_facts
from .facts import Case
from .rulebook import DEFAULT_RULEBOOK, Rulebook
from .rules import (
    check_assessment_recent,
    check_ban,
    check_continuing_education,
    check_directed_basis,
    check_education,
    check_exam_only,
    check_exceptional_excellent,
    check_exceptional_recommenders,
    check_in_service,
    check_initial_cutoff,
    check_one_per_year,
    check_specialty_mismatch,
    check_township_service,
    check_transfer,
    check_transfer_first,
)
from .tenure import check_tenure
from .verdict import Check, Verdict, verdict_to_dict

__all__ = ["Check", "Verdict", "evaluate", "verdict_to_dict"]

RULES = (
    check_exam_only,
    check_in_service,
    check_one_per_year,
    check_ban,
    check_assessment_recent,
    check_initial_cutoff,
    check_education,
    check_exceptional_excellent,
    check_exceptional_recommenders,
    check_directed_basis,
    check_transfer_first,
    check_transfer,
    check_tenure,
    check_specialty_mismatch,
    check_township_service,
    check_continuing_education,
)


def evaluate(case: Case, rulebook: Rulebook = DEFAULT_RULEBOOK) -> Verdict:
    """Apply every rule that applies to the case, in the contract's order."""
    facts = build_facts(case, rulebook)
    checks = tuple(check for rule in RULES if (check := rule(facts)) is not None)
    return Verdict(eligible=all(check.passed for check in checks), checks=checks)

