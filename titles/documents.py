"""The documents rules cite, as a person reads them: rulebook data, not code.

Each rulebook layer (``RulebookVersion.citations``) maps rule codes to the document that decides the
rule where it applies (official name, number, article); the layers overlay like the numbers do, so a
bureau's layer cites its own notice and the national layer cites national documents. The engine's and
the plan rules' ``source`` stays the contract's code for the API and commands; pages and PDFs show
``citation(...)``, never a code.
"""

import re
from collections.abc import Mapping

from .eligibility.verdict import SOURCES

PLAN_RULE_CODES = ("PHASE_KIND", "PHASE_DUPLICATE", "PHASE_REQUIRED", "PHASE_DATES", "PHASE_ORDER", "SEQUENCE",
                   "NO_CROSS_YEAR", "NOTICE_PERIOD", "MEETINGS_END", "RESULTS_END", "INITIAL_END", "PUBLICITY_LENGTH",
                   "COMMITTEE_FILING")
# The declaration flow's steps (declarations.flow: each transition's ``basis``)
FLOW_CODES = ("PROCEDURE_DECLARATION", "PROCEDURE_RECOMMENDATION", "PROCEDURE_AUDIT", "PROCEDURE_POLICY_REVIEW",
              "PROCEDURE_CORRECTION", "PROCEDURE_COMMITTEE", "PROCEDURE_RESULTS")
# Review committees at work (committees.draw and the meeting's quorum and ballot; 人社部令第40号)
COMMITTEE_CODES = ("COMMITTEE_SIZE_ODD", "COMMITTEE_MIN_SERIES", "COMMITTEE_MIN_SPECIALTY", "MEETING_QUORUM",
                   "BALLOT_PASS", "EXPERT_DRAW")
# Certificates and credit records (``certificates``, ``accounts.CreditRecord``)
CERTIFICATE_CODES = ("CERT_EQUAL_TO_PAPER", "CERT_DIRECT_APPOINTMENT", "CERT_DIRECTED_SCOPE", "CERT_GRASSROOTS_SCOPE",
                     "CERT_REVOCATION", "CREDIT_RECORD")
# The deadline sweeps (reviews/deadlines): termination, lateness of a step, expired drafts, reminders
DEADLINE_CODES = ("TERMINATE_UNFINISHED", "PUSH_DEADLINE", "DECLARATION_EXPIRED", "DEADLINE_REMINDER")
RULE_CODES = (*SOURCES, *PLAN_RULE_CODES, *FLOW_CODES, *COMMITTEE_CODES, *CERTIFICATE_CODES, *DEADLINE_CODES)

# When no layer cites a document for a rule (a layer added later, a new rule): honest and general.
FALLBACK = "国家及本地职称评审有关规定（以本地年度职称评审通知为准）"


def validate_citations(data) -> dict[str, str]:
    """The citations of one layer, checked: known rule codes → non-empty text (ValueError in Chinese)."""
    if not isinstance(data, Mapping):
        raise ValueError(f"依据文件应为“规则代码: 文件名称、文号、条款”的键值对象，实际为 {type(data).__name__}")
    unknown = sorted(str(k) for k in data if k not in RULE_CODES)
    if unknown:
        raise ValueError(f"未知的规则代码：{'、'.join(unknown)}；可用规则代码：{'、'.join(RULE_CODES)}")
    empty = sorted(k for k, v in data.items() if not isinstance(v, str) or not v.strip())
    if empty:
        raise ValueError(f"规则 {'、'.join(empty)} 的依据文件应为非空文字")
    return {k: v.strip() for k, v in data.items()}


def citation(citations: Mapping[str, str], rule: str) -> str:
    return citations.get(rule) or FALLBACK


# The documents behind the declaration flow's steps (``declarations.flow``), which rest on a section of
# one notice rather than on a rule of the rulebook: pages show the document's number, never the code.
POLICY_DOCUMENTS = {
    "000": "长人社函〔2024〕188号",
    "001": "运人社职字〔2024〕12号",
    "002": "凯里市人社局 2023 年职称评审工作有关问题通知",
    "003": "河北省《关于进一步做好职称评审工作的实施意见》",
    "004": "新疆某自治州 2022 年“双定向”通知",
}

# A document code opens the source or follows a separator: "001 三(五), 002 五(三)", "规则库；001 三(二)".
_CODE = re.compile(r"(^|[；;，,、]\s*)(\d{3})(?=\s|$|[；;，,、])")


def describe_source(source: str) -> str:
    """A flow step's source with each document code replaced by the document's number; the rest unchanged.
    Eligibility and plan rules do not use it: they cite through the rulebook (``citation``)."""

    def expand(match: re.Match) -> str:
        name = POLICY_DOCUMENTS.get(match.group(2))
        if name is None or name in source:
            return match.group(0)
        return match.group(1) + name

    return _CODE.sub(expand, source or "")
