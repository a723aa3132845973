"""The cache on Redis, failing soft: when Redis is unreachable the site keeps answering.

What lives in the cache can always be had otherwise: sessions are ``cached_db`` (written through to
PostgreSQL, read from it on a miss) and the only other user is the signed-out self-check's rate limit.
So while Redis is down a read is a miss, a write is skipped, and the site answers from the database
(issue 20, faults: "Redis stopped"). Decisions, also in README.md (故障测试):

- Rate limits fail **open**: the self-check counts nothing while Redis is down (it is a courtesy limit
  against crawling, not a security control; the sign-in lockout is django-axes, in the database).
- After a failure the process does not try Redis again for ``RETRY_AFTER`` seconds (default 5), so a
  Redis that hangs costs one connect timeout per process per period, not per request.
- A write or delete that failed leaves an older copy in Redis if Redis comes back with its data
  (persistence on, or a network cut rather than a restart): a signed-out session would be revived
  from the cache. The process therefore remembers those keys and deletes them from Redis before it
  uses Redis again (more than ``MAX_LOST_WRITES`` keys: it deletes every key of this cache). A
  process that served no request during the outage has no such keys; one that did purges them at
  its first cache call after Redis returns.
"""

import logging
import os
import pickle
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient, RedisSerializer

logger = logging.getLogger(__name__)

MAX_LOST_WRITES = 10_000


class PickleFirstSerializer(RedisSerializer):
    """Django's: an int is stored as its digits, anything else pickled. Read back without trying ``int()`` on a
    pickle first (a signed-in request reads eight pickled entries, each through a raised ``ValueError``): a
    pickle begins with its protocol's byte 0x80, which the digits of an int never do."""

    def loads(self, data):
        if data[:1] == b"\x80":
            return pickle.loads(data)
        return super().loads(data)


class FailSoftRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, *, retry_after: float = 5.0, key_pattern: str = "*", **options):
        options.setdefault("serializer", PickleFirstSerializer)
        super().__init__(servers, **options)
        self._retry_after = retry_after
        self._key_pattern = key_pattern
        self._lock = threading.Lock()
        self._down_until = 0.0  # monotonic time before which Redis is not tried
        self._lost: set[str] = set()  # keys whose write or delete did not reach Redis
        self._lost_overflow = False
        self._clients: dict = {}
        self._idle: dict = {}  # pool index → this process's idle connections of the lean commands (``_command``)
        self._pid = os.getpid()

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def get_client(self, key=None, *, write=False):
        """Django makes a new redis-py client for every operation, and each builds its table of ~170 response
        callbacks: about a tenth of a signed-in page's CPU (README.md, 速度). One client per connection pool,
        made once: a client is only the pool and that table, and is safe to share between threads."""
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client

    def _command(self, write: bool, *args):
        """One command: its reply (``_commands``)."""
        return self._commands(write, args)[0]

    def _commands(self, write: bool, *commands) -> list:
        """Commands sent together on a connection of this process's own, their replies read back in order: what
        redis-py's client does for ``get``, ``mget`` and ``set`` and its pipeline for ``set_many``, without its
        pool's bookkeeping (a lock, counters for its observability and a poll of the socket before each command,
        to find a connection the server has closed) nor the pipeline's object: 112–131 µs of CPU a command against
        50–60, a pipeline of one MSET 128–135 against 33–43 (README.md, 速度). The connections are redis-py's own
        (its parser, timeouts and options); after any error the connection is closed before it is used again, so
        no reply is left unread on it, and a connection the server closed while it waited (Redis restarted, a
        client timeout) is found when a reply cannot be read: it is opened again and the commands, which may be
        sent twice (GET, MGET, SET, MSET, EXPIRE), sent once more."""
        if self._pid != os.getpid():  # forked: the parent's connections stay the parent's
            self._idle, self._pid = {}, os.getpid()
        index = self._get_connection_pool_index(write)
        idle = self._idle.get(index)
        if idle is None:
            idle = self._idle[index] = []
        try:
            connection, reused = idle.pop(), True
        except IndexError:
            pool = self._get_connection_pool(write)
            connection, reused = pool.connection_class(**pool.connection_kwargs), False
        packed = connection.pack_commands(commands) if len(commands) > 1 else connection.pack_command(*commands[0])
        try:
            try:
                connection.send_packed_command(packed, check_health=False)
                replies = [connection.read_response() for _ in commands]
            except (self._lib.exceptions.ConnectionError, OSError):
                if not reused:
                    raise
                connection.disconnect()
                connection.send_packed_command(packed, check_health=False)
                replies = [connection.read_response() for _ in commands]
        except BaseException:
            connection.disconnect()
            idle.append(connection)
            raise
        idle.append(connection)
        return replies

    def _errors(self):
        return (self._lib.exceptions.ConnectionError, self._lib.exceptions.TimeoutError, OSError)

    def _call(self, operation: str, fallback, call, *, written=()):
        """Run ``call``; while Redis is unreachable answer ``fallback`` and remember ``written`` keys."""
        if self.is_down:
            self._remember(written)
            return fallback
        try:
            self._purge_lost()
            return call()
        except self._errors() as exc:
            with self._lock:
                was_up = self._down_until == 0.0
                self._down_until = time.monotonic() + self._retry_after
            self._remember(written)
            if was_up:
                logger.warning("Redis 缓存不可用（%s：%s）：会话改从数据库读取，%s 秒后重试", operation,
                               str(exc).splitlines()[0] if str(exc) else type(exc).__name__, self._retry_after)
            return fallback

    def _remember(self, keys):
        if not keys:
            return
        with self._lock:
            if len(self._lost) + len(keys) > MAX_LOST_WRITES:
                self._lost_overflow = True
                self._lost.clear()
            elif not self._lost_overflow:
                self._lost.update(keys)

    def _purge_lost(self):
        """Redis is reachable again: delete what this process could not write or delete meanwhile."""
        if not self._down_until:
            return
        with self._lock:
            keys, overflow = list(self._lost), self._lost_overflow
        client = self.get_client(None, write=True)
        if overflow:
            stale = list(client.scan_iter(match=self._key_pattern, count=1000))
        else:
            stale = keys
        for start in range(0, len(stale), 500):
            client.delete(*stale[start:start + 500])
        with self._lock:
            self._lost.difference_update(keys)
            self._lost_overflow = self._lost_overflow and not overflow
            self._down_until = 0.0
        logger.warning("Redis 缓存已恢复：删除了中断期间未能更新的 %s 个缓存键", len(stale))

    # --- RedisCacheClient's operations (keys are already made by the cache) --------------------

    def add(self, key, value, timeout):
        return self._call("add", False, lambda: super(FailSoftRedisCacheClient, self).add(key, value, timeout),
                          written=[key])

    def get(self, key, default):
        value = self._call("get", None, lambda: self._command(False, "GET", key))
        return default if value is None else self._serializer.loads(value)

    def set(self, key, value, timeout):
        if timeout == 0:  # as Django's: an entry that expires at once is deleted
            self.delete(key)
            return
        value = self._serializer.dumps(value)
        args = ("SET", key, value) if timeout is None else ("SET", key, value, "EX", int(timeout))
        self._call("set", None, lambda: self._command(True, *args), written=[key])

    def touch(self, key, timeout):
        return self._call("touch", False, lambda: super(FailSoftRedisCacheClient, self).touch(key, timeout),
                          written=[key])

    def delete(self, key):
        return self._call("delete", False, lambda: super(FailSoftRedisCacheClient, self).delete(key),
                          written=[key])

    def get_many(self, keys):
        keys = list(keys)
        if not keys:
            return {}
        values = self._call("get_many", (), lambda: self._command(False, "MGET", *keys))
        loads = self._serializer.loads
        return {key: loads(value) for key, value in zip(keys, values, strict=False) if value is not None}

    def has_key(self, key):
        return self._call("has_key", False, lambda: super(FailSoftRedisCacheClient, self).has_key(key))

    def incr(self, key, delta):
        missing = object()
        result = self._call("incr", missing, lambda: super(FailSoftRedisCacheClient, self).incr(key, delta),
                            written=[key])
        if result is missing:
            raise ValueError(f"Key '{key}' not found (Redis unreachable).")
        return result

    def set_many(self, data, timeout):
        """As Django's: one MSET, then an EXPIRE for each key when the entries expire (0: deleted at once)."""
        dumps = self._serializer.dumps
        commands = [("MSET", *(part for key, value in data.items() for part in (key, dumps(value))))]
        if timeout is not None:
            commands += [("EXPIRE", key, int(timeout)) for key in data]
        self._call("set_many", None, lambda: self._commands(True, *commands), written=list(data))

    def delete_many(self, keys):
        return self._call("delete_many", None, lambda: super(FailSoftRedisCacheClient, self).delete_many(keys),
                          written=list(keys))

    def clear(self):
        return self._call("clear", False, lambda: super(FailSoftRedisCacheClient, self).clear())


class FailSoftRedisCache(RedisCache):
    """Django's Redis cache whose operations degrade to misses while Redis is unreachable.

    ``OPTIONS``: ``RETRY_AFTER`` (seconds without trying Redis after a failure), and redis-py's
    connection options (``socket_connect_timeout``, ``socket_timeout``) as for Django's ``RedisCache``.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = FailSoftRedisCacheClient
        options = dict(self._options)
        options["retry_after"] = float(options.pop("RETRY_AFTER", 5.0))
        options["key_pattern"] = self.make_key("*")
        self._options = options

    @property
    def is_down(self) -> bool:
        return self._cache.is_down

    def validate_key(self, key):
        """Django checks every key for what memcached would refuse (over 250 characters, spaces, control
        characters) and warns: Redis takes any key, and the check walks each character of each key, about a
        third of what making the eight keys of a signed-in request's one read costs (README.md, 速度)."""
