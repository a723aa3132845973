"""JSON read with limits, for the API's parser and the admin's JSON fields alike: nesting deeper than
``MAX_JSON_DEPTH`` (Python's decoder would raise RecursionError), NaN/Infinity, and NUL characters
(PostgreSQL's text and jsonb cannot hold them) are refused with a Chinese message naming the place."""

import json

from django import forms
from django.core.exceptions import ValidationError

MAX_JSON_DEPTH = 64  # objects and arrays nested deeper are refused (no case or rulebook needs more than 5)


class JSONRefused(ValueError):
    """``malformed``: the text is not acceptable JSON at all; otherwise ``path`` names the bad value."""

    def __init__(self, message: str, *, path: str = "", malformed: bool = False):
        self.path, self.malformed = path, malformed
        super().__init__(message)


def _refuse_constant(name):
    raise ValueError(f"不支持的数值 {name}")


def loads_bounded(text: str):
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise JSONRefused(f"不是有效的 JSON：嵌套层数超过 {MAX_JSON_DEPTH}", malformed=True) from None
    except ValueError as exc:
        raise JSONRefused(f"不是有效的 JSON：{exc}", malformed=True) from None
    check_tree(data)
    return data


def check_tree(data) -> None:
    """Depth and NUL characters of decoded JSON, walked without recursion."""
    pending = [(data, "", 1)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise JSONRefused(f"不是有效的 JSON：嵌套层数超过 {MAX_JSON_DEPTH}", malformed=True)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and "\x00" in key:
                    raise JSONRefused("字段名不能包含空字符（\\u0000）", path=path)
                pending.append((item, f"{path}.{key}" if path else str(key), depth + 1))
        elif isinstance(value, str) and "\x00" in value:
            raise JSONRefused("不能包含空字符（\\u0000）", path=path)


class BoundedJSONFormField(forms.JSONField):
    """Django's JSON form field with the limits above (the admin uses it for every JSONField)."""

    def to_python(self, value):
        if isinstance(value, str) and value not in self.empty_values and not self.disabled:
            try:
                loads_bounded(value)
            except JSONRefused as exc:
                where = f"{exc.path}：" if exc.path else ""
                raise ValidationError(f"{where}{exc}", code="invalid") from None
        return super().to_python(value)

    def bound_data(self, data, initial):
        if isinstance(data, str) and not self.disabled:
            try:
                loads_bounded(data)
            except JSONRefused:
                return forms.fields.InvalidJSONInput(data)
        return super().bound_data(data, initial)
