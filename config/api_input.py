"""What the API accepts, loaded by DRF's settings (so nothing here imports rest_framework.views):
the session authentication with its CSRF refusal in Chinese, and the JSON parser with its limits."""

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser

from .json_limits import JSONRefused, loads_bounded


class ChineseSessionAuthentication(SessionAuthentication):
    """Session sign-in, with the CSRF refusal said in Chinese."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise exceptions.PermissionDenied(
                "CSRF 校验失败：请求缺少有效的 CSRF 令牌（请刷新页面后重试，或在 X-CSRFToken 请求头中提供令牌）",
                code="csrf_failed") from exc


class _AcceptHeader:
    """What DRF's negotiation reads of a request (``request.headers.get("accept", …)``), taken from its environ."""

    __slots__ = ("headers",)

    def __init__(self, request):
        accept = request.META.get("HTTP_ACCEPT")
        self.headers = {} if accept is None else {"accept": accept}


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's, reading the Accept header from ``request.META``: ``request.headers`` builds a mapping of every
    header of the request on first use, which nothing else in an API request reads (≈ a tenth of what DRF adds to
    a request). The same tokens, limits and choice as DRF's."""

    def get_accept_list(self, request):
        return super().get_accept_list(_AcceptHeader(request))


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(f"请求体过大：不得超过 {limit // 1024} KB")


class BoundedJSONParser(JSONParser):
    """JSON with limits: the body's size (DATA_UPLOAD_MAX_MEMORY_SIZE → 413), the nesting depth
    (MAX_JSON_DEPTH → 400) and no NUL character in any key or text (400 naming the field);
    see ``json_limits``."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            return loads_bounded(raw.decode(encoding))
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"请求体不是有效的 JSON：{exc}") from None
        except JSONRefused as exc:
            if exc.malformed:
                raise exceptions.ParseError(f"请求体{exc}") from None
            raise exceptions.ValidationError({exc.path or "body": [str(exc)]}) from None
