"""The Jinja2 engine of the site's layout and of its busiest pages (issue 20: the rush).

Django's template language resolves every variable through a chain of lookups and every tag through a node
object at each render; Jinja2 compiles a template to Python code once per process. The site's layout
(``templates/jinja2/layout.html``) is Jinja2: Jinja2 pages extend it, and Django-template pages reach it
through ``templates/base.html`` (``{% site_layout %}``, ``accounts.templatetags.site_layout``), so the header,
the navigation and the messages are written once. The declaration's page, the page of the deadline rush, is
Jinja2 (``templates/jinja2/declarations/detail.html``).

What the templates have beside Jinja2's own: ``url(name, *args)`` (``reverse``), ``fixed_url`` and ``static``
(the site's addresses worked out once per process, ``accounts.templatetags.site_urls``), the filters ``date``
(Django's, in the current time zone as Django's templates show times), ``filesizeformat`` (Django's, not
Jinja2's: the same text as the other pages) and ``get_item``; and, from ``csrf``, ``csrf_token`` and
``csrf_input`` masked once per page, as ``{% csrf_token %}`` is in Django's templates (Django's Jinja2 backend
masks the token anew at each use).
"""

import secrets

from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, get_token
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.timezone import template_localtime
from jinja2 import Environment, Undefined

from accounts.services import action_label
from accounts.templatetags.site_urls import fixed_static, fixed_url
from declarations.templatetags.declarations_extras import get_item


def url(name: str, *args) -> str:
    """``{% url name arg … %}``."""
    return reverse(name, args=args)


def date(value, arg=None) -> str:
    """``|date:"Y-m-d"`` as Django's templates apply it: an aware time in the current time zone first."""
    return date_filter(template_localtime(value), arg)


def environment(**options) -> Environment:
    # a missing name is empty text, as in Django's templates, with DEBUG too (Django's backend would then write
    # the name itself into the page: the demo's pages would differ from production's)
    env = Environment(**{**options, "undefined": Undefined})
    env.globals.update(url=url, fixed_url=fixed_url, static=fixed_static)
    env.filters.update(date=date, filesizeformat=filesizeformat, get_item=get_item, action_label=action_label)
    return env


class CsrfInput:
    """The hidden field of a form's CSRF token, as ``{% csrf_token %}`` writes it."""

    __slots__ = ("_token",)

    def __init__(self, token):
        self._token = token

    def __html__(self) -> str:
        return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', self._token)

    __str__ = __html__


_INDEX = {char: i for i, char in enumerate(CSRF_ALLOWED_CHARS)}
_UNIFORM_BELOW = 256 - 256 % len(CSRF_ALLOWED_CHARS)  # a byte below this, modulo 62, draws every character alike


def _masked(secret: str) -> str:
    """Django's ``_mask_cipher_secret``: a random mask of the secret's length, then the secret shifted by it; the
    mask drawn from one read of the system's random source instead of one read a character (32 system calls)."""
    n, mask = len(CSRF_ALLOWED_CHARS), []
    while len(mask) < len(secret):
        mask.extend(byte % n for byte in secrets.token_bytes(2 * len(secret)) if byte < _UNIFORM_BELOW)
    mask = mask[:len(secret)]
    return "".join(CSRF_ALLOWED_CHARS[m] for m in mask) + "".join(
        CSRF_ALLOWED_CHARS[(_INDEX[char] + m) % n] for char, m in zip(secret, mask, strict=True))


def masked_token(request) -> str:
    """``django.middleware.csrf.get_token``, masked by ``_masked``: the request's secret (a new one and its cookie
    when it has none). Django sends the cookie again with every page that shows a token, so that its expiry is
    renewed; the site's is a browser-session cookie (``CSRF_COOKIE_AGE = None``), which has no expiry to renew, so it
    is sent only when the browser does not hold it as it is (setting it cost ≈ 3 % of a declaration's page)."""
    if "CSRF_COOKIE" not in request.META:
        return get_token(request)
    secret = request.META["CSRF_COOKIE"]
    if settings.CSRF_COOKIE_AGE is not None or request.COOKIES.get(settings.CSRF_COOKIE_NAME) != secret:
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    return _masked(secret)


def csrf(request) -> dict:
    """Context processor of the Jinja2 engine: the page's CSRF token masked once (read on first use), and its
    hidden field. Replaces the backend's own ``csrf_token`` and ``csrf_input``, which mask the secret anew at
    each use (32 random draws each); one masked token serves every form of the page, as in Django's
    templates."""
    token = SimpleLazyObject(lambda: masked_token(request))
    return {"csrf_token": token, "csrf_input": CsrfInput(token)}
