"""The verdict of the eligibility engine: one `Check` per applied rule, and where each rule comes from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RULEBOOK = "rulebook"  # placeholder in SOURCES, replaced by the rulebook's name

SOURCES: dict[str, tuple[str, ...]] = {
    "EXAM_ONLY": ("003 2",),
    "IN_SERVICE": ("001 三(一)",),
    "ONE_PER_YEAR": ("001 三(五), 002 五(三)",),
    "BAN": ("002 三(三)",),
    "ASSESSMENT_RECENT": ("001 三(三)",),
    "INITIAL_CUTOFF": ("001 三(五)",),
    "EDUCATION": (RULEBOOK,),
    "EXCEPTIONAL_EXCELLENT": ("001 三(三)",),
    "EXCEPTIONAL_RECOMMENDERS": ("002 一(二)1",),
    "DIRECTED_BASIS": ("004 六(三)1",),
    "TRANSFER_FIRST": ("001 三(四), 002 一(二)2",),
    "TRANSFER": ("001 三(四)",),
    "TENURE": (RULEBOOK, "001 三(二)(三)"),
    "SPECIALTY_MISMATCH": ("002 一(二)2",),
    "TOWNSHIP_SERVICE": ("002 一(一)5",),
    "CONTINUING_EDUCATION": ("002 四(三)",),
}


# --- the verdict ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    rule: str
    passed: bool
    source: str
    message: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    checks: tuple[Check, ...]

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(check.rule for check in self.checks if not check.passed)


def verdict_to_dict(verdict: Verdict) -> dict[str, Any]:
    """The contract's output JSON."""
    return {
        "eligible": verdict.eligible,
        "checks": [
            {
                "rule": check.rule,
                "passed": check.passed,
                "source": check.source,
                "message": check.message,
                "values": check.values,
            }
            for check in verdict.checks
        ],
    }


