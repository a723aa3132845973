"""Validators and masks for personal data (GB 11643-1999 citizen ID numbers, mainland mobile numbers)."""

import re
from datetime import date

from django.core.exceptions import ValidationError

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CODES = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
_PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


def id_number_check_code(first17: str) -> str:
    return _ID_CHECK_CODES[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str) -> str | None:
    """Return a Chinese explanation of what is wrong with an ID number, or None when it is valid."""
    value = (value or "").strip().upper()
    if not _ID_PATTERN.match(value):
        return "身份证号码应为 18 位：前 17 位为数字，最后一位为数字或 X"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if id_number_check_code(value[:17]) != value[17]:
        return "身份证号码校验位不正确，请核对后重新输入"
    return None


def validate_id_number(value: str) -> None:
    problem = id_number_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_id_number")


def validate_phone(value: str) -> None:
    if value and not _PHONE_PATTERN.match(value):
        raise ValidationError("手机号码应为 11 位数字，以 1 开头", code="invalid_phone")


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "****" + value[7:]


_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def mask_personal_numbers(text: str) -> str:
    """Mask every ID number and mobile number found in free text (comments, exports)."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text or "")
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
