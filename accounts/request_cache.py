"""What every signed-in request reads about its user, kept in the shared cache (Redis) instead of
PostgreSQL: the user's row (Django's authentication loads it on every request), the user's role
memberships (the permission layer asks them on every request: the idle timeout, the two-factor check,
every predicate) and the unread-notification count in the header. The three are read with their
versions in one round trip when the request's user is loaded (``load_user``), together with the session when
the browser names its user (``accounts.middleware.USER_HINT_COOKIE``, ``accounts.session_cached_db``).

Never stale after a change: each entry is stored with the *version* it was computed under, and a
change replaces the version with a new random token (``bump``) at once and again after its commit, so
that a reader who computed the entry from the database before the commit cannot bring back the old
value (the version it stored it under is gone). Entry and version are read in one round trip.
A version replaced inside a transaction of the application is *tainted* for its thread until the commit: that
thread alone sees the uncommitted change, so it neither serves nor stores entries under it, and after a rollback
(which replaces nothing) no entry computed from the rolled-back change can be served under the version left behind.

- the user's row: one version per user, replaced whenever the user is saved or deleted (signals below: a
  new password, a deactivation, the admin's changes) and by ``accounts.services.record_sign_in``, which
  sets ``last_login`` with an UPDATE; a signed-in session is still checked against the password's hash
  (Django's session verification), now against the row of the current version;
- the verified two-factor device of the session (django-otp's middleware read it from the database on
  every request of a bureau reviewer): under the user's version, which a device of the user saved or deleted
  (confirmed, unconfirmed, removed, used for a sign-in) replaces too; kept without its secret, only what the
  middleware checks (``otp_device``);
- role memberships: one version for every user (``ROLES``), replaced whenever a role membership or an
  organisation is saved or deleted (signals below: grants and revocations in ``accounts.services``, the
  admin, the demo, the tests' factories alike; organisations for the tree and region the predicates read);
- unread count: one version per user, replaced by ``accounts.notifications.notify`` and ``mark_read``, and
  an epoch shared by every user, replaced when one batch tells more than ``BUMP_EACH_UP_TO`` people.

On by default only with a shared cache (``REDIS_URL``): a per-process memory cache could not hear about a
change made in another process (``REQUEST_CACHE`` setting).
"""

import logging
import threading
import uuid
import weakref

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from config.db_router import primary_reads

logger = logging.getLogger(__name__)
ROLES = "zc:roles:v"
TIMEOUT = 3600  # entries; versions never expire (an expired version would match an old entry's None)


def enabled() -> bool:
    return getattr(settings, "REQUEST_CACHE", False)


class Prefetched:
    """Entries and versions read together in one round trip (``load_user``), handed to the later readers of
    the same request instead of a round trip each. A version replaced in this thread after the read (a
    request that marks its notifications read, then shows the header) is read again from the cache."""

    _live = threading.local()

    def __init__(self, found: dict, asked):
        self.found = found
        self.asked = set(asked)
        live = getattr(Prefetched._live, "set", None)
        if live is None:
            live = Prefetched._live.set = weakref.WeakSet()
        live.add(self)

    def take(self, keys) -> dict | None:
        """The prefetched part of ``keys``, or None when some were not read with it (or since replaced)."""
        if not self.asked.issuperset(keys):
            return None
        return {key: self.found[key] for key in keys if key in self.found}

    @classmethod
    def forget(cls, version_keys) -> None:
        for prefetched in list(getattr(cls._live, "set", ())):
            prefetched.asked.difference_update(version_keys)


def cached(key: str, version_key: str | tuple[str, ...], compute, *, prefetched: Prefetched | None = None):
    """The value under ``key`` if it was stored under the current version, else ``compute()``.
    ``version_key`` may be a tuple of keys: the entry is current only while none of them changed;
    ``prefetched``: the entries read ahead for this request, when they hold every key."""
    if not enabled():
        return compute()
    version_keys = (version_key,) if isinstance(version_key, str) else tuple(version_key)
    try:
        found = prefetched.take([key, *version_keys]) if prefetched is not None else None
        if found is None:
            found = cache.get_many([key, *version_keys])
        versions = [found.get(k) for k in version_keys]
        entry = found.get(key)
        version = versions[0] if len(versions) == 1 else tuple(versions)
        keep = not _tainted_in(versions)  # else this thread's uncommitted change: read it, keep nothing under it
        if keep and None not in versions and isinstance(entry, tuple) and entry[0] == version:
            return entry[1]
        if None in versions:
            for k, v in zip(version_keys, versions, strict=True):
                if v is None:
                    cache.add(k, uuid.uuid4().hex, timeout=None)
            found = cache.get_many(list(version_keys))
            versions = [found.get(k) for k in version_keys]
            version = versions[0] if len(versions) == 1 else tuple(versions)
    except Exception:  # the cache is down: read the database (the page still answers)
        logger.warning("缓存不可用，直接读取数据库：%s", key, exc_info=True)
        return compute()
    with primary_reads():  # kept under the version: read no older than it
        value = compute()
    if not keep:
        return value
    try:
        cache.set(key, (version, value), timeout=TIMEOUT)
    except Exception:
        logger.warning("缓存不可用，未保存：%s", key, exc_info=True)
    return value


def version_of(user, version_key: str) -> str | None:
    """The version under ``version_key`` as read with ``user``'s row at the start of the request (no round trip),
    else read now (``current_version``); None when the cache is off or cannot be reached, or when the version is
    this thread's own change, not yet committed."""
    prefetched = _prefetched(user)
    found = prefetched.take([version_key]) if prefetched is not None else None
    version = found.get(version_key) if found is not None else None
    if version is None:
        return current_version(version_key)
    return None if _tainted_in([version]) else version


def current_version(version_key: str) -> str | None:
    """The version under ``version_key`` (made when there is none yet), for a value kept elsewhere (in a
    process: ``titles.selectors.kept_rulebook``); None when the cache is off or cannot be reached."""
    if not enabled():
        return None
    try:
        version = cache.get(version_key)
        if version is None:
            cache.add(version_key, uuid.uuid4().hex, timeout=None)
            version = cache.get(version_key)
    except Exception:
        logger.warning("缓存不可用：%s", version_key, exc_info=True)
        return None
    return None if _tainted_in([version]) else version


def bump(version_key: str, *, required: bool = True) -> None:
    """Invalidate every entry stored under ``version_key``: now, and once more after the commit.
    ``required``: when the cache cannot be reached the change is refused (an entry that survived the
    outage would otherwise outlive it: roles); otherwise it goes on (the unread count: a stale figure)."""
    bump_many([version_key], required=required)


def bump_many(version_keys, *, required: bool = True) -> None:
    """``bump`` for many keys in one round trip (set-based work: a sweep's notifications)."""
    keys = list(version_keys)
    if not enabled() or not keys:
        return
    Prefetched.forget(keys)

    def replace():
        tokens = {key: uuid.uuid4().hex for key in keys}
        cache.set_many(tokens, timeout=None)
        return tokens.values()

    try:
        tokens = replace()
    except Exception:
        if required:
            raise
        logger.warning("缓存不可用，未能使其失效：%s 等 %d 项", keys[0], len(keys), exc_info=True)
        return
    block = _outermost_block_of_the_application()
    if block is None:
        transaction.on_commit(replace, robust=True)
        return

    def after_commit():
        _untaint(tokens)
        replace()

    _taint(tokens, block, after_commit)
    transaction.on_commit(after_commit, robust=True)


_tainted = threading.local()
TAINTED_AT_MOST = 10_000  # versions left behind by rolled-back transactions, oldest forgotten first


def _outermost_block_of_the_application():
    """The outermost atomic block the application opened, or None (a test case's own blocks stand for
    committed work: Django marks them ``_from_testcase``)."""
    return next((block for block in transaction.get_connection().atomic_blocks if not block._from_testcase), None)


def _taint(tokens, block, after_commit) -> None:
    kept = getattr(_tainted, "tokens", None)
    if kept is None:
        kept = _tainted.tokens = {}
    kept.update(dict.fromkeys(tokens, (block, after_commit)))
    while len(kept) > TAINTED_AT_MOST:
        del kept[next(iter(kept))]


def _untaint(tokens) -> None:
    kept = getattr(_tainted, "tokens", None)
    if kept:
        for token in tokens:
            kept.pop(token, None)


def _tainted_in(versions) -> bool:
    """Some of ``versions`` was set by this thread in a transaction still open, or rolled back since. A block
    that ended with its after-commit step still waiting was saved inside a test case's transaction: committed
    work for the test. (Committed for real, the step has run and forgotten its versions.)"""
    kept = getattr(_tainted, "tokens", None)
    if not kept:
        return False
    connection = transaction.get_connection()
    for version in versions:
        if version not in kept:
            continue
        block, after_commit = kept[version]
        if block in connection.atomic_blocks:
            return True
        if not any(step is after_commit for _, step, _ in connection.run_on_commit):
            return True  # rolled back
    return False


def _scope() -> str:
    """Keys name the database: two sites (or a test run) sharing one Redis never read each other's users."""
    return str(settings.DATABASES["default"]["NAME"])


def scoped(name: str) -> str:
    """``name`` as a key of this site's database (another app's entries: ``titles.catalogue``)."""
    return f"{name}:{_scope()}"


def roles_version() -> str:
    return f"{ROLES}:{_scope()}"


def _prefetched(user) -> Prefetched | None:
    return getattr(user, "_request_cache", None)


def user_version(user_id) -> str:
    return f"zc:user:v:{_scope()}:{user_id}"


def _user_key(user_id) -> str:
    return f"zc:user:{_scope()}:{user_id}"


def _roles_key(user_id) -> str:
    return f"zc:roles:{_scope()}:{user_id}"


def _unread_key(user_id) -> str:
    return f"zc:unread:{_scope()}:{user_id}"


def _device_key(user_id) -> str:
    return f"zc:otp:{_scope()}:{user_id}"


_made_keys: dict[tuple[str, object], tuple[str, ...]] = {}
_MADE_KEYS_AT_MOST = 10_000  # users' key lists kept per process (emptied when full)


def user_keys(user_id) -> list[str]:
    """What ``load_user`` reads in one round trip: the user's row, roles, unread count, two-factor device and the
    organisations they may see, with their versions. Made once per user and process (each request asked twice, and
    each key read the settings again: ≈ 7 µs a request)."""
    made = _made_keys.get((_scope(), user_id))
    if made is None:
        made = (_user_key(user_id), user_version(user_id), _roles_key(user_id), roles_version(),
                _unread_key(user_id), unread_version(user_id), unread_epoch(), _device_key(user_id),
                _organisations_key(user_id))
        if len(_made_keys) >= _MADE_KEYS_AT_MOST:
            _made_keys.clear()
        _made_keys[(_scope(), user_id)] = made
    return list(made)


# what else a request reads with its user, by its address: ``prefetcher(path, user_id) -> [key, …]`` (apps register
# theirs: ``declarations.views``, the page kept for its viewer)
_prefetchers: list = []


def prefetch_with_user(prefetcher):
    """Register ``prefetcher(path, user_id)`` (``path``: ``request.path_info``): the keys of the default cache a
    request for ``path`` by that user will read, read in the round trip of its session and user (``request_keys``)
    and taken with ``taken``."""
    _prefetchers.append(prefetcher)
    return prefetcher


def request_keys(path: str, user_id: int) -> list[str]:
    """The registered prefetchers' keys for a request for ``path`` (its address without the script prefix,
    ``request.path_info``) by ``user_id``."""
    return [key for prefetcher in _prefetchers for key in prefetcher(path, user_id)]


def taken(user, key: str) -> tuple[bool, object]:
    """``(True, value or None)`` when ``key`` was read with ``user`` at the start of the request (``request_keys``),
    else ``(False, None)``: the caller reads it itself."""
    prefetched = _prefetched(user)
    found = prefetched.take([key]) if prefetched is not None else None
    return (False, None) if found is None else (True, found.get(key))


def load_user(user_id, compute, *, found: dict | None = None, also: tuple[str, ...] = ()):
    """The user row as ``compute()`` (the authentication backend's ``get_user``) gives it, from the cache when
    stored under the user's current version; in the same round trip the entries and versions of the user's
    roles and unread count, which ``memberships`` and ``unread_count`` then take without another.
    ``found``: those keys (``user_keys(user_id)``) already read with the session, in its round trip, and with
    them the keys ``also`` (``request_keys``), which ``taken`` then answers."""
    if not enabled():
        return compute()
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return compute()
    keys = user_keys(user_id)
    try:
        asked = keys if found is None else keys + list(also)  # ``also`` read only with the session
        prefetched = Prefetched(cache.get_many(keys) if found is None else found, asked)
    except Exception:
        logger.warning("缓存不可用，直接读取数据库：用户 %s", user_id, exc_info=True)
        return compute()
    user = cached(keys[0], keys[1], compute, prefetched=prefetched)
    prefetched.found.pop(keys[0], None)  # the user holds the prefetched entries, not they the user (no cycle)
    if user is not None:
        user._request_cache = prefetched
    return user


def memberships(user, compute):
    return cached(_roles_key(user.pk), roles_version(), compute, prefetched=_prefetched(user))


def _organisations_key(user_id) -> str:
    return f"zc:orgs:{_scope()}:{user_id}"


def organisation_ids(user, compute):
    """The ids of the organisations the user may see (the tree below their overseeing roles): they change
    only with a membership or an organisation, so they share the roles version; read ahead with the user (the
    bureau's queue asks them on every page: a round trip of its own before)."""
    return cached(_organisations_key(user.pk), roles_version(), compute, prefetched=_prefetched(user))


def unread_version(user_id) -> str:
    return f"zc:unread:v:{_scope()}:{user_id}"


def unread_epoch() -> str:
    """A second version every unread count is stored under: replaced when a batch tells too many people at
    once for one version each (``bump_unread``), it retires every count, which is then read again once."""
    return f"zc:unread:epoch:{_scope()}"


# A batch telling more people than this replaces the epoch (one key) instead of each person's version: a
# sweep over 1,000,000 declarations would otherwise write 1,000,000 keys twice (about 10 s each time).
BUMP_EACH_UP_TO = 1000


def bump_unread(user_ids) -> None:
    """The unread counts of ``user_ids`` changed: retire them (now and after the commit), one version each
    up to ``BUMP_EACH_UP_TO`` people, else every count at once through the epoch. Never refuses the change."""
    ids = set(user_ids)
    if len(ids) > BUMP_EACH_UP_TO:
        bump_every_unread()
    else:
        bump_many({unread_version(user_id) for user_id in ids}, required=False)


def bump_every_unread() -> None:
    """Retire every unread count (now and after the commit): one key, whatever the number of people."""
    bump_many([unread_epoch()], required=False)


def unread_count(user, compute):
    return cached(_unread_key(user.pk), (unread_version(user.pk), unread_epoch()), compute,
                  prefetched=_prefetched(user))


def otp_device(user, persistent_id: str, compute):
    """The device named by the session's ``persistent_id`` as ``compute()`` reads it (None when there is none),
    for django-otp's middleware (``accounts.middleware.OTPMiddleware``): from the entry read ahead with the user
    when it was stored under the user's current version for that same device. A device of the user saved or
    deleted replaces the user's version (``device_changed``), so a removed or unconfirmed device stops verifying
    the session on the next request."""
    named = cached(_device_key(user.pk), user_version(user.pk), lambda: (persistent_id, compute()),
                   prefetched=_prefetched(user))
    if named[0] == persistent_id:
        return named[1]
    return compute()  # another device than the one kept (a second device signed in elsewhere): rare


def device_changed(instance, **_kwargs) -> None:
    bump(user_version(instance.user_id))


def roles_changed(**_kwargs) -> None:
    bump(roles_version())


def user_changed(instance, **_kwargs) -> None:
    bump(user_version(instance.pk))


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import Organisation, RoleMembership, User

    for model in (RoleMembership, Organisation):
        post_save.connect(roles_changed, sender=model, dispatch_uid=f"request_cache_{model.__name__}_save")
        post_delete.connect(roles_changed, sender=model, dispatch_uid=f"request_cache_{model.__name__}_delete")
    post_save.connect(user_changed, sender=User, dispatch_uid="request_cache_User_save")
    post_delete.connect(user_changed, sender=User, dispatch_uid="request_cache_User_delete")
    from django.apps import apps
    from django_otp.models import Device

    for model in apps.get_models():  # every kind of two-factor device installed (TOTP, static codes)
        if issubclass(model, Device):
            post_save.connect(device_changed, sender=model, dispatch_uid=f"request_cache_{model.__name__}_save")
            post_delete.connect(device_changed, sender=model, dispatch_uid=f"request_cache_{model.__name__}_delete")
