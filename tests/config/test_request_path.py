"""What every request passes through, made cheaper without changing what it does: the one language activated
without a choice (config/locale.py), the message storages made only when used (config/messages.py), DRF's content
negotiation reading Accept from the environ (config/api_input.py)."""

import uuid

import pytest
from django.contrib import messages
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.utils import translation
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request

from config import locale
from config.api_input import ContentNegotiation
from config.messages import FallbackStorage

ACCEPT_LANGUAGES = ["", "zh-CN,zh;q=0.9", "en-US,en;q=0.9", "de", "zh-hant", "*", "fr;q=0.1, ja"]


@pytest.mark.parametrize("accept", ACCEPT_LANGUAGES)
@pytest.mark.parametrize("cookie", [None, "en", "zh-hans", "zh-hant"])
def test_djangos_own_choice_is_the_one_language(accept, cookie):
    """The shortcut's premise, checked against Django itself: with one language every request gets it."""
    request = RequestFactory().get("/x", HTTP_ACCEPT_LANGUAGE=accept)
    if cookie:
        request.COOKIES["django_language"] = cookie
    assert locale.single_language() == "zh-hans"
    assert translation.get_language_from_request(request) == "zh-hans"


@pytest.mark.parametrize("accept", ACCEPT_LANGUAGES)
def test_the_responses_language_headers_are_djangos(accept):
    request = RequestFactory().get("/x", HTTP_ACCEPT_LANGUAGE=accept)
    response = locale.LocaleMiddleware(lambda request: HttpResponse("x"))(request)
    assert request.LANGUAGE_CODE == "zh-hans" and translation.get_language() == "zh-hans"
    assert response["Content-Language"] == "zh-hans"
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_a_page_carries_content_language_and_vary(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "Accept-Language" in response["Vary"]


@override_settings(LANGUAGES=[("zh-hans", "简体中文"), ("en", "English")])
def test_with_a_choice_django_chooses():
    assert locale.single_language() is None
    request = RequestFactory().get("/x", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    try:
        response = locale.LocaleMiddleware(lambda request: HttpResponse("x"))(request)
        assert request.LANGUAGE_CODE == "en" and response["Content-Language"] == "en"
    finally:
        translation.activate("zh-hans")


def _request(**cookies):
    request = RequestFactory().get("/x")
    request.COOKIES.update(cookies)
    request.session = {}
    return request


def test_a_request_without_messages_makes_no_storage_nor_signer():
    storage = FallbackStorage(_request())
    response = HttpResponse("x")
    storage.update(response)
    assert "storages" not in storage.__dict__ and not response.cookies
    assert list(storage) == [] and "signer" not in storage.storages[0].__dict__  # read: no cookie, no HMAC


@override_settings(MESSAGE_STORAGE="config.messages.FallbackStorage")
def test_messages_go_to_the_cookie_then_the_session_as_djangos():
    request = _request()
    request._messages = FallbackStorage(request)
    messages.success(request, "已保存")
    response = HttpResponse("x")
    request._messages.update(response)
    stored = response.cookies["messages"].value
    following = _request(messages=stored)
    assert [str(m) for m in FallbackStorage(following)] == ["已保存"]
    big = _request()
    big._messages = FallbackStorage(big)
    for n in range(60):  # more than the cookie holds (2 KB, compressed): the rest in the session
        messages.info(big, f"第 {n} 条：{uuid.uuid4().hex}{uuid.uuid4().hex}")
    response = HttpResponse("x")
    big._messages.update(response)
    assert "_messages" in big.session
    again = _request(messages=response.cookies["messages"].value)
    again.session = big.session
    assert len(list(FallbackStorage(again))) == 60


@pytest.mark.parametrize("accept", [None, "", "application/json", "text/html", "text/html,application/json;q=0.9",
                                    "*/*", "application/xml", "application/json; indent=4", "x" * 300 + ",*/*"])
def test_content_negotiation_chooses_as_drf(accept):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    renderers = [JSONRenderer(), BrowsableAPIRenderer()]

    def choose(negotiation):
        try:
            renderer, media_type = negotiation.select_renderer(Request(RequestFactory().get("/api/", **extra)),
                                                               renderers)
            return type(renderer), media_type
        except Exception as exc:
            return type(exc)

    assert choose(ContentNegotiation()) == choose(DefaultContentNegotiation())
