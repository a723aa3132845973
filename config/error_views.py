"""Django's own error pages in Chinese (handler400/403/404/500 in urls.py, CSRF_FAILURE_VIEW), and
the refusal of NUL characters in a request's parameters (``RefuseNulCharacters``).

Under ``/api/`` the same refusals answer JSON in the API's shape: ``{"errors": {...}, "code": ...}``.
"""

import logging
import sys

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.html import escape

from .api_input import RequestTooLarge

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
PLAIN_500 = ("<!DOCTYPE html><html lang=\"zh-Hans\"><head><meta charset=\"utf-8\"><title>系统繁忙</title></head>"
             "<body><h1>系统繁忙</h1><p>服务器出现错误，您的数据未丢失。请稍后重试；如问题持续，请联系技术支持。</p>"
             "</body></html>")
PLAIN_503 = ("<!DOCTYPE html><html lang=\"zh-Hans\"><head><meta charset=\"utf-8\"><title>系统维护中</title></head>"
             "<body><h1>系统维护中，请稍后重试</h1><p>系统暂时无法连接数据库，请约半分钟后刷新页面重试。</p></body></html>")
PLAIN_PAGE = ("<!DOCTYPE html><html lang=\"zh-Hans\"><head><meta charset=\"utf-8\"><title>请求未完成</title></head>"
              "<body><h1>请求未完成（{status}）</h1><p>{message}</p><p><a href=\"/\">返回首页</a></p></body></html>")


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _page(request, template: str, status: int, context: dict | None = None) -> HttpResponse:
    """The error page in the site's frame; plain HTML if the frame itself fails (a static file
    missing from the manifest, the database down), so an error page never becomes a 500."""
    try:
        return HttpResponse(loader.render_to_string(template, context or {}, request), status=status)
    except Exception:
        logger.exception("%s could not be rendered", template)
        message = escape((context or {}).get("message", ""))
        body = PLAIN_500 if status >= 500 else PLAIN_PAGE.format(status=status, message=message)
        return HttpResponse(body, status=status)


def refusal(request, status: int, field: str, message: str, code: str, template: str) -> HttpResponse:
    """One refusal, as JSON under /api/ and as a page elsewhere."""
    if _is_api(request):
        return JsonResponse({"errors": {field: [message]}, "code": code}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    return _page(request, template, status, {"message": message})


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return refusal(request, 413, "body", str(RequestTooLarge().detail), "too_large", "413.html")
    return refusal(request, 400, "body", "请求无效：请检查提交的内容后重试", "bad_request", "400.html")


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "您无权访问该页面"
    return refusal(request, 403, "detail", message, "permission_denied", "403.html")


def page_not_found(request, exception=None):
    return refusal(request, 404, "detail", "您要找的页面或对象不存在或已被删除", "not_found", "404.html")


def csrf_failure(request, reason=""):
    message = "安全校验（CSRF）失败：页面可能已过期，请刷新页面后重新提交"
    return refusal(request, 403, "detail", message, "csrf_failed", "403_csrf.html")


UNAVAILABLE_MESSAGE = "系统暂时无法连接数据库（可能正在维护或重启），请约半分钟后刷新页面重试；如刚才提交了内容，请刷新后确认是否已保存。"
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """The database cannot be reached or dropped the connection (restart, failover, too many clients):
    Django's OperationalError or InterfaceError, also when raised while handling another error."""
    from django.db import InterfaceError, OperationalError

    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def service_unavailable(request):
    """503 while the database is unreachable: a Chinese page (JSON under /api/) with Retry-After.

    Rendered without the request, so no context processor touches the database; each request tries
    the database afresh (kept connections are health-checked), so the site recovers by itself."""
    if _is_api(request):
        response = JsonResponse({"errors": {"detail": [UNAVAILABLE_MESSAGE]}, "code": "service_unavailable",
                                 "detail": UNAVAILABLE_MESSAGE}, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        try:
            body = loader.render_to_string("503.html", {"message": UNAVAILABLE_MESSAGE})
        except Exception:
            logger.exception("503.html could not be rendered")
            body = PLAIN_503
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    """handler500; an unreachable database is a 503, not a 500 (Django calls this inside its except)."""
    if database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    if _is_api(request):
        return JsonResponse({"errors": {"detail": ["服务器出现错误，请稍后重试"]}, "code": "server_error"},
                            status=500, json_dumps_params={"ensure_ascii": False})
    return _page(request, "500.html", 500)


class RefuseNulCharacters:
    """A NUL character in a query parameter (name or value) is a 400 naming the parameter; the
    database could not store or compare it (``/admin/…/?status__exact=%00``). Form fields refuse it
    themselves (Django's ProhibitNullCharactersValidator), JSON bodies in ``api_input``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A cookie with NUL is no cookie: the session or CSRF token it claims to be cannot exist.
        request.COOKIES = {k: v for k, v in request.COOKIES.items() if "\x00" not in k + v}
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                field = name.replace("\x00", "\\u0000")
                return refusal(request, 400, field, f"参数 {field} 不能包含空字符（\\u0000）", "nul_character",
                               "400.html")
        return self.get_response(request)
