"""What the API accepts, loaded by DRF's settings (so nothing here imports rest_framework.views):
the session authentication with its CSRF refusal in Chinese, and the JSON parser with its limits."""

import json

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 64  # objects and arrays nested deeper are refused (no case needs more than 5)


class ChineseSessionAuthentication(SessionAuthentication):
    """Session sign-in, with the CSRF refusal said in Chinese."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise exceptions.PermissionDenied(
                "CSRF 校验失败：请求缺少有效的 CSRF 令牌（请刷新页面后重试，或在 X-CSRFToken 请求头中提供令牌）",
                code="csrf_failed") from exc


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(f"请求体过大：不得超过 {limit // 1024} KB")


class BoundedJSONParser(JSONParser):
    """JSON with limits: the body's size (DATA_UPLOAD_MAX_MEMORY_SIZE → 413), the nesting depth
    (MAX_JSON_DEPTH → 400) and no NUL character in any key or text (400 naming the field)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise exceptions.ParseError(f"请求体不是有效的 JSON：嵌套层数超过 {MAX_JSON_DEPTH}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"请求体不是有效的 JSON：{exc}") from None
        _check_tree(data)
        return data


def _refuse_constant(name):
    raise ValueError(f"不支持的数值 {name}")


def _check_tree(data) -> None:
    """Depth and NUL characters, walked without recursion."""
    pending = [(data, "", 1)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise exceptions.ParseError(f"请求体不是有效的 JSON：嵌套层数超过 {MAX_JSON_DEPTH}")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                child = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and "\x00" in key:
                    raise exceptions.ValidationError({path or "body": ["字段名不能包含空字符（\\u0000）"]})
                pending.append((item, child, depth + 1))
        elif isinstance(value, str) and "\x00" in value:
            raise exceptions.ValidationError({path or "body": ["不能包含空字符（\\u0000）"]})
