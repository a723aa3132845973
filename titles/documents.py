"""The policy documents the eligibility rules cite, and how a rule's source reads to a person.

The engine cites documents by their three-digit seed code ("001 三(二)"); pages show the document.
"""

import re

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
    """The source with each known document code replaced by the document's name; the rest unchanged."""

    def expand(match: re.Match) -> str:
        name = POLICY_DOCUMENTS.get(match.group(2))
        if name is None or name in source:
            return match.group(0)
        return match.group(1) + name

    return _CODE.sub(expand, source or "")
