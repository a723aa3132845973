"""Pages kept as HTML in the shared cache under a digest of the data they show (issue 20: the declaration's page).

A page that shows rows of many tables cannot tell when one of them changed without hooks in every writer (one
forgotten writer, and the page is stale for good). Here the database tells: the statement that reads the page
returns, instead of its rows, PostgreSQL's md5 of them (``config.json_rows.JsonRows.digest``), and the HTML made
from those rows is kept with that digest in its *stamp*: it is served only while the digest read now is the same.
Whoever changed a row, by whatever path (a service, a sweep's set-based UPDATE, the admin, a data fix in psql),
the digest differs at the next request and the page is made again: nothing is ever invalidated.

A page is kept once per object and viewer (the key: the object, who the viewer is and the name the header shows
them, and the release: a digest of the code, templates and the settings that change how
the same rows are written, ``release``, so that a deploy never serves HTML of the old code). The stamp holds the
digest and what the viewer may do now (their actions …), both compared before the page is served: a page never
kept for that key costs no digest (the page is read at once), a page kept costs the digest's one query. A
request with messages to show is never kept (they are shown once); an entry no request asks for expires
(``PAGE_CACHE_TIMEOUT``).

Each process also keeps the last ``PAGE_CACHE_ENTRIES`` entries it read or made in its memory, in front of
Redis: an entry never changes under its key, so a copy cannot be stale, and a page seen again in the same process
costs no round trip to Redis.

The CSRF token and the header's unread badge are the parts of the HTML that are the request's own: the kept HTML
holds slots in their place (``slots``: NUL characters, which no text of the database can hold) and each answer puts
its own masked token and the viewer's badge of the moment there (``fill``), so a notification does not retire the
recipient's kept pages. When Redis cannot be reached (``config.cache`` fails soft) every request makes the page.

On by default with a shared cache on PostgreSQL (``PAGE_CACHE``): elsewhere there is no digest.
"""

import functools
import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from markupsafe import Markup

_TOKEN_SLOT, _INPUT_SLOT, _UNREAD_SLOT = "\x00csrf-token\x00", "\x00csrf-input\x00", "\x00unread\x00"
_TOKEN_BYTES, _INPUT_BYTES, _UNREAD_BYTES = (slot.encode() for slot in (_TOKEN_SLOT, _INPUT_SLOT, _UNREAD_SLOT))
_SOURCES = ("accounts", "certificates", "committees", "config", "declarations", "reviews", "titles", "templates")


def enabled() -> bool:
    return getattr(settings, "PAGE_CACHE", False) and connection.vendor == "postgresql"


@functools.cache
def release() -> str:
    """A digest of the project's code and templates, and of the settings that change how the same rows are
    written, read once per process: HTML kept by another release is never served."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.blake2b(digest_size=8)
    for directory in _SOURCES:
        for path in sorted((root / directory).rglob("*")):
            if path.suffix in (".py", ".html", ".json", ".toml", ".yaml") and "migrations" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    digest.update(f"{settings.TIME_ZONE}|{settings.LANGUAGE_CODE}|{settings.USE_TZ}".encode())
    return digest.hexdigest()


def key(kind: str, pk: int, viewer_id: int) -> str:
    """Where the page of object ``pk`` is kept for the viewer ``viewer_id`` (the name its header shows them is in
    the stamp): made of what a request tells before its user is read, so that the page is read in the same round
    trip as the session and the user (``accounts.request_cache.prefetch_with_user``)."""
    return f"zc:html:{kind}:{pk}:{release()}:{viewer_id}"


# this process's last entries, the most recently used last: key → (stamp, the page in UTF-8)
_kept: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
_lock = threading.Lock()


def _keep(key: str, entry: tuple[str, bytes]) -> None:
    with _lock:
        _kept[key] = entry
        _kept.move_to_end(key)
        while len(_kept) > settings.PAGE_CACHE_ENTRIES:
            _kept.popitem(last=False)


def get(key: str, user=None) -> tuple[str, bytes] | None:
    """The page kept under ``key`` with its stamp (the digest of its rows and what its viewer may do, which the
    caller compares with the current ones before serving it): from this process's memory, else as read with
    ``user`` at the start of the request, else from Redis (a miss while Redis is down)."""
    with _lock:
        entry = _kept.get(key)
        if entry is not None:
            _kept.move_to_end(key)
            return entry
    from accounts.request_cache import taken

    read, entry = taken(user, key) if user is not None else (False, None)
    if not read:
        entry = cache.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], bytes):
        _keep(key, entry)
        return entry
    return None


def put(key: str, stamp: str, html: bytes) -> None:
    """Keep ``html`` (``render``'s, in UTF-8) under ``key`` with its ``stamp``, in place of the page kept there
    before."""
    _keep(key, (stamp, html))
    cache.set(key, (stamp, html), timeout=settings.PAGE_CACHE_TIMEOUT)


def render(template_name: str, context: dict, request) -> bytes:
    """The Jinja2 page as ``django.shortcuts.render`` makes it (the engine's context processors applied over
    ``context``), to be kept: no messages (a request with some is not kept) and the CSRF token's slots. In UTF-8,
    as it is kept and sent: a kept page is never encoded again (≈ 3 % of its time for 11 KB of Chinese text)."""
    from django.template import engines

    backend = engines["jinja2"]
    shown = {**context, "request": request}
    for processor in backend.template_context_processors:
        shown.update(processor(request))
    return backend.get_template(template_name).render({**shown, "messages": (), **slots()}).encode()


class _UnreadSlot:
    """The header's unread badge in HTML to be kept: a slot that ``fill`` replaces with the viewer's badge of the
    moment, so a notification does not retire every page kept for its recipient (a handler is told of every
    submission to their unit)."""

    def badge(self):
        return Markup(_UNREAD_SLOT)


def slots() -> dict:
    """The template's ``csrf_token``, ``csrf_input`` and unread badge for HTML to be kept: slots that ``fill``
    replaces."""
    return {"csrf_token": Markup(_TOKEN_SLOT), "csrf_input": Markup(_INPUT_SLOT), "unread_notifications": _UnreadSlot()}


def fill(html: bytes, request) -> bytes:
    """The kept page (UTF-8) with this request's own CSRF token (masked once, as on every page) and the viewer's
    unread badge in its slots."""
    from accounts.context_processors import notifications
    from config.jinja import CsrfInput, masked_token

    token = masked_token(request)
    html = html.replace(_INPUT_BYTES, str(CsrfInput(token)).encode()).replace(_TOKEN_BYTES, token.encode())
    if _UNREAD_BYTES in html:
        badge = notifications(request).get("unread_notifications")
        html = html.replace(_UNREAD_BYTES, str(badge.badge()).encode() if badge is not None else b"")
    return html
