"""Validators and masks for personal data (GB 11643-1999 citizen ID numbers, mainland mobile numbers)."""

import re
from datetime import date

from django.contrib.auth import password_validation
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


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its message in Chinese: Django 5.2 changed the message's msgid and its zh-hans
    catalogue no longer matches, so users saw "This password is too short"."""

    def get_error_message(self):
        return f"密码太短：至少需要 {self.min_length} 个字符"

    def get_help_text(self):
        return f"密码至少 {self.min_length} 个字符。"


class PasswordComplexityValidator:
    """GB/T 22239-2019 8.1.4.1: passwords of several character classes that do not contain the username.

    Configured in AUTH_PASSWORD_VALIDATORS beside Django's length, similarity, common-password and
    all-digits validators; ``min_classes`` of upper case, lower case, digits and other characters.
    """

    CLASSES = (("大写字母", str.isupper), ("小写字母", str.islower), ("数字", str.isdigit),
               ("符号", lambda c: not c.isalnum()))

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        used = sum(1 for _, test in self.CLASSES if any(test(c) for c in password))
        if used < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类",
                code="password_too_simple",
            )
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError("密码不能包含用户名", code="password_contains_username")

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类，且不能包含用户名。"
