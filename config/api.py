"""The API's common ground: one gated viewset base and one exception handler (REST_FRAMEWORK in
settings.py points here; what the API accepts is in ``api_input.py``).

Every refusal has one shape, in Chinese: ``{"errors": {field: message(s)}, "code": code}``.
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions, viewsets
from rest_framework.response import Response
from rest_framework.views import set_rollback

from accounts.errors import CONFLICT, FORBIDDEN, INVALID, NOT_FOUND, TOO_LARGE, DomainError

from .api_input import RequestTooLarge

MAX_ID = 2**63 - 1  # the largest BigAutoField id
STATUS_BY_KIND = {INVALID: 400, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, TOO_LARGE: 413}
NOT_FOUND_MESSAGE = "您要找的对象不存在或已被删除"


class ChineseSessionScheme(SessionScheme):
    """The OpenAPI schema describes our session authentication as the cookie scheme it is."""

    target_class = "config.api_input.ChineseSessionAuthentication"


class GatedViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only viewset whose objects come only through the app's ``access_*`` gate.

    Subclasses name two selectors: ``visible(actor)`` for the list and ``access_gate(actor, pk)``
    for one object (404 when absent, 403 when not visible). Ids in the URL are whole numbers, so
    ``/plans/abc/`` or ``/plans/1'/`` do not match and answer 404. Detail actions fetch their
    object with ``self.get_object()``.
    """

    lookup_value_regex = "[0-9]+"
    visible = None
    access_gate = None

    def get_queryset(self):
        return type(self).visible(self.request.user)

    def get_object(self):
        pk = int(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        if pk > MAX_ID:  # no such row; SQLite could not even compare it
            raise Http404
        obj = type(self).access_gate(self.request.user, pk)
        self.check_object_permissions(self.request, obj)
        return obj


def _errors(detail, field: str = "body") -> dict:
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {field: detail}
    return {field: [str(detail)]}


def exception_handler(exc, context):
    """Every refusal of the API in one shape; anything else stays a 500 (a bug, logged in full)."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(exc.as_dict(), status=STATUS_BY_KIND.get(exc.kind, 400))
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND_MESSAGE)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*(exc.args or ("您无权执行该操作",)))
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        given = getattr(context.get("request"), "content_type", "") or "未声明"
        exc = exceptions.UnsupportedMediaType(given, detail=f"请求体应为 JSON（Content-Type: application/json），不支持 {given}")
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "wait", None):
        headers["Retry-After"] = f"{int(exc.wait)}"
    field = "body" if isinstance(exc, exceptions.ParseError | exceptions.UnsupportedMediaType
                                 | RequestTooLarge | exceptions.ValidationError) else "detail"
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "invalid"
    set_rollback()
    body = {"errors": _errors(exc.detail, field), "code": code}
    if exc.status_code in (403, 404) and isinstance(exc.detail, str):
        body["detail"] = str(exc.detail)  # FLOW.md's answers: 403 and 404 carry ``detail``
    return Response(body, status=exc.status_code, headers=headers)


REFUSAL_SCHEMA = {
    "type": "object",
    "description": "拒绝：errors 按字段列出中文说明，code 为稳定的错误代码",
    "properties": {"errors": {"type": "object", "additionalProperties": True}, "code": {"type": "string"}},
    "required": ["errors"],
}
REFUSALS = {  # status → (description, for which operations)
    "400": ("请求无效（JSON 格式、字段取值、日期范围、空字符等）", lambda method, path: True),
    "403": ("未登录、无权访问或 CSRF 校验失败", lambda method, path: True),
    "404": ("对象不存在、编号不是整数，或页码超出范围", lambda method, path: "{" in path or method == "get"),
    "413": ("请求体过大", lambda method, path: method == "post"),
    "415": ("请求体不是 JSON", lambda method, path: method == "post"),
}


def document_refusals(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation documents the refusals it may answer,
    in the one shape of ``exception_handler`` (``components.schemas.Refusal``)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Refusal"] = REFUSAL_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            for status_code, (description, applies) in REFUSALS.items():
                if applies(method, path):
                    operation["responses"].setdefault(status_code, {"description": description, "content": body})
    return result
