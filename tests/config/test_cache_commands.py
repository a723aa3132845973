"""The shared cache's own path for GET, MGET and SET (``config.cache.FailSoftRedisCacheClient._command``), through
the real Redis: redis-py's connections without its pool's poll before each command, so what that poll guarded
against is tried here: a connection the server closed, a reply left unread after an error, connections shared
with a forked process."""

import os

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.skipif("Redis" not in settings.CACHES["default"]["BACKEND"],
                                reason="needs the shared cache on Redis (REDIS_URL)")


def _raw():
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def test_a_connection_the_server_closed_meanwhile_is_opened_again():
    client = cache._cache
    cache.set("zc:test:closed", {"a": 1})
    for write in (False, True):  # the reading and the writing connection alike
        own = client._command(write, "CLIENT", "ID")
        assert _raw().client_kill_filter(_id=own) == 1  # as a restarted Redis or its idle timeout would
    assert cache.get("zc:test:closed") == {"a": 1}
    cache.set("zc:test:closed", {"a": 2})
    assert cache.get_many(["zc:test:closed"]) == {"zc:test:closed": {"a": 2}}
    assert not client.is_down  # not taken for Redis being down: no 5 s of sessions from the database


def test_an_error_reply_leaves_no_reply_behind():
    client = cache._cache
    cache.set("zc:test:text", "not a number")
    cache.set("zc:test:other", ("x", 1))
    with pytest.raises(redis.ResponseError):
        client._command(True, "INCR", cache.make_key("zc:test:text"))
    with pytest.raises(redis.ResponseError):
        client._command(False, "HGET", cache.make_key("zc:test:text"), "field")
    assert cache.get("zc:test:other") == ("x", 1)  # its own reply, not one left on the connection
    assert cache.get_many(["zc:test:text", "zc:test:missing", "zc:test:other"]) == {
        "zc:test:text": "not a number", "zc:test:other": ("x", 1)}
    key = cache.make_key("zc:test:text")
    with pytest.raises(redis.ResponseError):  # the second of three sent together fails: the third's reply unread
        client._commands(True, ("SET", key, b"x"), ("INCR", key), ("GET", key))
    assert cache.get("zc:test:other") == ("x", 1)


def test_a_reply_that_came_too_late_is_not_taken_for_the_next_one():
    """A command that timed out leaves its reply to come on the connection: the connection is closed, so the next
    command does not read it as its own."""
    import time

    from config.cache import FailSoftRedisCache

    slow = FailSoftRedisCache(settings.CACHES["default"]["LOCATION"], {"OPTIONS": {"socket_timeout": 0.2}})._cache
    slow._command(True, "SET", "zc:test:late", b"its value")
    with pytest.raises(redis.TimeoutError):
        slow._command(False, "BLPOP", "zc:test:empty-list", 1)  # answers nil after 1 s
    time.sleep(1.2)  # the nil has come by now
    assert slow._command(False, "GET", "zc:test:late") == b"its value"


def test_timeouts_as_django_sets_them():
    raw = _raw()
    cache.set("zc:test:ttl", 1, timeout=30)
    assert 0 < raw.ttl(cache.make_key("zc:test:ttl")) <= 30
    cache.set("zc:test:ttl", 2, timeout=None)  # kept until deleted
    assert raw.ttl(cache.make_key("zc:test:ttl")) == -1
    cache.set("zc:test:ttl", 3, timeout=0)  # expires at once: deleted
    assert not raw.exists(cache.make_key("zc:test:ttl"))
    assert cache.get("zc:test:ttl", "absent") == "absent"
    assert cache.get_many([]) == {}
    cache.set_many({"zc:test:m1": 1, "zc:test:m2": ("two", 2)}, timeout=None)  # one MSET
    assert raw.ttl(cache.make_key("zc:test:m1")) == raw.ttl(cache.make_key("zc:test:m2")) == -1
    assert cache.get_many(["zc:test:m1", "zc:test:m2"]) == {"zc:test:m1": 1, "zc:test:m2": ("two", 2)}
    cache.set_many({"zc:test:m1": 3, "zc:test:m2": 4}, timeout=30)  # and an EXPIRE each
    assert all(0 < raw.ttl(cache.make_key(key)) <= 30 for key in ("zc:test:m1", "zc:test:m2"))
    assert cache.incr("zc:test:m1") == 4
    cache.set_many({"zc:test:m1": 5}, timeout=0)
    assert not raw.exists(cache.make_key("zc:test:m1")) and cache.get("zc:test:m2") == 4


def test_a_forked_process_uses_connections_of_its_own():
    """gunicorn forks its workers: the parent's idle connections must not carry the child's commands too, or the
    two would read each other's replies."""
    cache.set("zc:test:parent", "parent's")
    assert cache.get("zc:test:parent") == "parent's"  # a connection of the parent's is idle now
    pid = os.fork()
    if pid == 0:  # the child: nothing but the cache, then out without running the parent's clean-ups
        ok = True
        try:
            for i in range(300):
                cache.set(f"zc:test:child:{i}", i)
                ok = ok and cache.get(f"zc:test:child:{i}") == i and cache.get("zc:test:parent") == "parent's"
        except Exception:
            ok = False
        os._exit(0 if ok else 1)
    mixed = [i for i in range(300)
             if cache.get_many(["zc:test:parent", f"zc:test:none:{i}"]) != {"zc:test:parent": "parent's"}]
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert mixed == []
    assert cache.get("zc:test:child:299") == 299
