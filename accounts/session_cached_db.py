"""Sessions as Django's ``cached_db`` keeps them (Redis, written through to the database), with one addition:
the session can be read together with other entries of the same cache in one round trip (``load_with``), so
that a signed-in request reads its session and its user (``accounts.middleware``) at once instead of one after
the other (README.md, 速度). Everything else is Django's: a session missing from Redis is read from the
database and put back in Redis; saving and deleting write both.

``SESSION_ENGINE = "accounts.session_cached_db"`` (config/settings.py, with ``REDIS_URL``).
"""

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import DEFAULT_CACHE_ALIAS


class SessionStore(cached_db.SessionStore):
    def load_with(self, keys) -> dict | None:
        """The entries of the default cache under ``keys``, read in the same round trip as this session (which is
        then not read again); None when that cannot be done (no session cookie, the session already read,
        sessions in another cache)."""
        if (self.session_key is None or hasattr(self, "_session_cache") or not keys
                or settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS):
            return None
        try:
            found = self._cache.get_many([self.cache_key, *keys])
        except Exception:  # as Django's load(): the session then comes from the database
            return None
        data = found.pop(self.cache_key, None)
        if data is not None:  # else Django's load() on the first read: Redis again, then the database
            self._session_cache = data
        return found
