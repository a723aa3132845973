"""Eligibility engine for professional-title declarations (contract: ELIGIBILITY.md). Pure Python."""

from .engine import Check, Verdict, evaluate, verdict_to_dict
from .facts import InvalidCase, parse_case
from .rulebook import DEFAULT_RULEBOOK, Rulebook

__all__ = [
    "DEFAULT_RULEBOOK",
    "Check",
    "InvalidCase",
    "Rulebook",
    "Verdict",
    "evaluate",
    "parse_case",
    "verdict_to_dict",
]
