"""The signed-in user of each request, and the sign-in safeguards that hold on every request (GB/T 22239-2019
level 3).

``AuthenticationMiddleware``: Django's, with the user's row read through the shared cache together with the
user's roles and unread count (``accounts.request_cache.load_user``: one round trip to Redis instead of a
query, and two more round trips saved later in the request), and with the session itself in that same round
trip when the browser brings the signed hint naming its user (``USER_HINT_COOKIE``); the session is verified
as Django verifies it.

``OTPMiddleware``: django-otp's, with the session's verified device read through the shared cache with the
user's row (``accounts.request_cache.otp_device``) instead of a query on every request of a two-factor role.

``StaffSessionMiddleware``: staff sessions end after ``SESSION_IDLE_MINUTES`` without a request and
when the browser closes. ``SignInCompletionMiddleware``: a signed-in user who still owes a step of the
sign-in (the TOTP code of a two-factor role, or a new password after a reset) can reach only the
pages of that step and sign-out.
"""

import time
from contextlib import suppress

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import logout
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.functional import LazyObject, SimpleLazyObject, empty
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import middleware as otp_middleware
from django_otp.models import Device

from config.prepared import PreparedObjects

from . import request_cache
from .permissions import is_staff_user, requires_two_factor

# The user's id beside the session, signed with the session's key in the salt (a cookie of another session, or
# of this one before its key changed, does not verify): read with it, the session and the user's entries come
# in one round trip to Redis. Only a hint: the session's own user and its hash are checked as before, and any
# mismatch takes the path without it (two round trips). Set and replaced on the way out (sign-in, key cycled).
USER_HINT_COOKIE = "zc_user"


def _hint_signer(session_key):
    return signing.Signer(salt=f"accounts.middleware.user-hint:{session_key}")


def user_hint(session_key: str, user_id: int) -> str:
    """The value of the user hint cookie (``USER_HINT_COOKIE``) for a session of ``user_id``."""
    return _hint_signer(session_key).sign(str(user_id))


# Verified hints and session hashes, per process: both are HMACs of what the browser sends or the user's row holds,
# worked out on every request before (≈ 30 µs a request); the same inputs (with the same SECRET_KEY) give the same
# answer, so an answer is kept and the HMAC worked out once per session (hints) or password (hashes). Only
# verified hints are kept: a forged one is checked (and refused) every time. Bounded: emptied when full.
_VERIFIED_AT_MOST = 10_000
_verified_hints: dict[tuple[str, str, str], int] = {}
_session_hashes: dict[tuple[str, str], str] = {}


def _hinted_user_id(request) -> int | None:
    value = request.COOKIES.get(USER_HINT_COOKIE)
    session_key = request.session.session_key
    if not value or session_key is None:
        return None
    key = (settings.SECRET_KEY, session_key, value)
    user_id = _verified_hints.get(key)
    if user_id is not None:
        return user_id
    try:
        user_id = int(_hint_signer(session_key).unsign(value))
    except (signing.BadSignature, ValueError):
        return None
    if len(_verified_hints) >= _VERIFIED_AT_MOST:
        _verified_hints.clear()
    _verified_hints[key] = user_id
    return user_id


def _session_auth_hash(user) -> str:
    """``user.get_session_auth_hash()``, kept per process for Django's own (an HMAC of the password's hash under
    ``SECRET_KEY``) and worked out as Django does for a user model that overrides it."""
    kind = type(user)
    if (kind.get_session_auth_hash is not AbstractBaseUser.get_session_auth_hash
            or kind._get_session_auth_hash is not AbstractBaseUser._get_session_auth_hash):
        return user.get_session_auth_hash()
    key = (settings.SECRET_KEY, user.password)
    found = _session_hashes.get(key)
    if found is None:
        found = user.get_session_auth_hash()
        if len(_session_hashes) >= _VERIFIED_AT_MOST:
            _session_hashes.clear()
        _session_hashes[key] = found
    return found


def get_user(request, hinted_user_id: int | None = None):
    """``django.contrib.auth.get_user`` with the backend's ``get_user`` read through the shared cache (the
    same steps: the session's user and backend, then the session's hash against the user's password hash,
    the fallback secrets, and a flushed session when neither matches). With ``hinted_user_id`` (the signed
    cookie) the session and that user's entries are read in one round trip; they serve only when the
    session's user is that user."""
    found, also = None, ()
    if hinted_user_id is not None:
        also = tuple(request_cache.request_keys(request.path_info, hinted_user_id))
        found = request.session.load_with(request_cache.user_keys(hinted_user_id) + list(also))
    try:
        user_id = auth._get_user_session_key(request)
        backend_path = request.session[auth.BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    backend = auth.load_backend(backend_path)
    user = request_cache.load_user(user_id, lambda: _backend_user(backend, user_id),
                                   found=found if user_id == hinted_user_id else None, also=also)
    if hasattr(user, "get_session_auth_hash"):
        session_hash = request.session.get(auth.HASH_SESSION_KEY)
        session_auth_hash = _session_auth_hash(user)
        if not (session_hash and constant_time_compare(session_hash, session_auth_hash)):
            if session_hash and any(constant_time_compare(session_hash, fallback)
                                    for fallback in user.get_session_auth_fallback_hash()):
                request.session.cycle_key()
                request.session[auth.HASH_SESSION_KEY] = session_auth_hash
            else:
                request.session.flush()
                user = None
    return user or AnonymousUser()


def _signed_in_user(pk):
    return auth.get_user_model()._default_manager.filter(pk=pk)


_USER = PreparedObjects(_signed_in_user)


def _backend_user(backend, user_id):
    """``backend.get_user(user_id)``; for Django's ``ModelBackend`` (whose ``get_user`` is not overridden) the same
    steps with the user's query compiled once per process (read whenever the user is not in the shared cache)."""
    if type(backend).get_user is not ModelBackend.get_user:
        return backend.get_user(user_id)
    found = _USER.objects(user_id)
    return found[0] if found and backend.user_can_authenticate(found[0]) else None


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)  # request.auser and the session check as Django's
        hinted = None
        if request_cache.enabled() and hasattr(request.session, "load_with"):  # else the hint would not serve
            hinted = _hinted_user_id(request)
            request._user_hint = (request.session.session_key, hinted)

        def user():
            if not hasattr(request, "_cached_user"):
                request._cached_user = get_user(request, hinted)
            return request._cached_user

        request.user = SimpleLazyObject(user)

    def process_response(self, request, response):
        """The user hint for the session as it leaves: set at sign-in and whenever the session's key changed,
        removed at sign-out."""
        session = getattr(request, "session", None)
        if session is None or not hasattr(request, "_user_hint"):
            return response
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        if user_id is not None and session.session_key is not None:
            if request._user_hint != (session.session_key, user_id):
                response.set_cookie(
                    USER_HINT_COOKIE, user_hint(session.session_key, user_id),
                    max_age=None if session.get_expire_at_browser_close() else settings.SESSION_COOKIE_AGE,
                    path=settings.SESSION_COOKIE_PATH, domain=settings.SESSION_COOKIE_DOMAIN,
                    secure=settings.SESSION_COOKIE_SECURE, httponly=True,
                    samesite=settings.SESSION_COOKIE_SAMESITE)
        elif USER_HINT_COOKIE in request.COOKIES:
            response.delete_cookie(USER_HINT_COOKIE, path=settings.SESSION_COOKIE_PATH,
                                   domain=settings.SESSION_COOKIE_DOMAIN, samesite=settings.SESSION_COOKIE_SAMESITE)
        return response


def _checked_device(persistent_id: str):
    """The device a session names as ``Device.from_persistent_id`` finds it, without its secret: what the
    middleware checks (its user, whether it is confirmed) and its name, so the shared cache never holds a TOTP
    key; a method that needs more (checking a token) reads the rest from the database (deferred fields)."""
    with suppress(ValueError, LookupError, AttributeError):
        return Device._filter_persistent_id(persistent_id).only("id", "user_id", "name", "confirmed").first()
    return None


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's middleware (``request.user.otp_device``, ``is_verified()``), the device read through the
    request cache: a bureau reviewer's every request read it with a query (issue 20). The checks are django-otp's
    own (``_finalize_device``: the session's device must be the user's and confirmed, else it is forgotten);
    a device saved or deleted replaces the user's version, so the change counts on the next request."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated:
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            device = None
            if persistent_id:
                persistent_id = self._normalize_persistent_id(persistent_id)
                device = request_cache.otp_device(user, persistent_id, lambda: _checked_device(persistent_id))
            user.otp_device = self._finalize_device(request, user, device)
        return user


LAST_ACTIVITY_KEY = "last_activity"
_ACTIVITY_WRITE_EVERY = 60  # seconds: the session is saved at most once a minute for the timestamp


def _evaluated(user):
    """The user behind the lazy wrappers of the authentication and django-otp middleware: every request reads
    it here anyway, and each later read through the two wrappers cost two proxy calls (pages read the user
    dozens of times)."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = int(time.time())
        request.user = _evaluated(request.user)
        if is_staff_user(request.user):
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                messages.info(request, f"您已超过 {settings.SESSION_IDLE_MINUTES} 分钟未操作，"
                                       "为保护账号安全已自动退出，请重新登录。")
        response = self.get_response(request)
        if is_staff_user(request.user):  # also right after signing in, before the first cookie is set
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is None or now - last >= _ACTIVITY_WRITE_EVERY:
                request.session[LAST_ACTIVITY_KEY] = now
            if not request.session.get_expire_at_browser_close():
                request.session.set_expiry(0)
        return response


def pending_sign_in_step(user) -> str | None:
    """The URL name of the sign-in step the user still owes, or None."""
    if not user.is_authenticated:
        return None
    if requires_two_factor(user) and not user.is_verified():
        return "accounts:otp_verify"
    if user.must_change_password:
        return "accounts:password_change"
    return None


class SignInCompletionMiddleware:
    OPEN_URL_NAMES = ("accounts:login", "accounts:logout", "accounts:otp_verify", "accounts:otp_setup",
                      "accounts:password_change", "accounts:register")

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def __call__(self, request):
        step = pending_sign_in_step(request.user)
        if step is not None and not self._is_open(request.path):
            if request.path.startswith("/api/"):
                return JsonResponse({"errors": {"detail": ["请先在网页上完成登录（动态验证码或修改临时密码）"]},
                                     "code": "sign_in_incomplete"}, status=403)
            return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = {reverse(name) for name in self.OPEN_URL_NAMES}
        return path in self._open_paths or path.startswith("/" + settings.STATIC_URL.lstrip("/"))
