"""config/jinja.py: the pages' CSRF token masked from one read of the system's random source is a token Django
accepts, masked anew for every page."""

from django.middleware.csrf import CSRF_ALLOWED_CHARS, _get_new_csrf_string, _unmask_cipher_token
from django.test import RequestFactory

from config.jinja import masked_token


def test_the_mask_is_djangos_and_new_each_time():
    request = RequestFactory().get("/")
    secret = request.META["CSRF_COOKIE"] = _get_new_csrf_string()
    tokens = [masked_token(request) for _ in range(200)]
    assert all(len(t) == 64 and set(t) <= set(CSRF_ALLOWED_CHARS) for t in tokens)
    assert {_unmask_cipher_token(t) for t in tokens} == {secret}
    assert len(set(tokens)) == 200 and len({t[:32] for t in tokens}) == 200
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True  # the cookie sent again, as get_token does
    used = "".join(t[:32] for t in tokens)
    assert set(used) == set(CSRF_ALLOWED_CHARS)  # 6,400 draws: every character comes up


def test_a_request_without_a_secret_gets_one_and_its_cookie():
    request = RequestFactory().get("/")
    token = masked_token(request)
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"] and request.META["CSRF_COOKIE_NEEDS_UPDATE"]




def test_a_cookie_the_browser_holds_as_it_is_is_not_sent_again():
    """The site's CSRF cookie has no expiry to renew (``CSRF_COOKIE_AGE = None``): ``masked_token`` asks for it to
    be sent only when the browser does not hold it as it is; Django's own ``get_token`` still asks each time."""
    from django.conf import settings
    from django.middleware.csrf import get_token

    assert settings.CSRF_COOKIE_AGE is None
    request = RequestFactory().get("/")
    request.COOKIES[settings.CSRF_COOKIE_NAME] = request.META["CSRF_COOKIE"] = _get_new_csrf_string()
    assert _unmask_cipher_token(masked_token(request)) == request.META["CSRF_COOKIE"]
    assert "CSRF_COOKIE_NEEDS_UPDATE" not in request.META
    get_token(request)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
