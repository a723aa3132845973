"""With Redis unreachable the site keeps answering (config/cache.py): sessions (cached_db) come from the
database, sign-out works, the signed-out self-check's rate limit fails open; and a key whose write or
delete was lost is purged when Redis returns, so a signed-out session is not revived from the cache."""

import time

import pytest
import redis

from accounts.models import Role
from tests.factories import user_with_role
from tests.faults.servers import PrivateRedis, choose_port


def _cache_at(url: str, retry_after: float = 5.0) -> dict:
    return {"default": {"BACKEND": "config.cache.FailSoftRedisCache", "LOCATION": url,
                        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2, "RETRY_AFTER": retry_after}}}


@pytest.mark.django_db
def test_pages_answer_from_the_database_while_redis_is_unreachable(client, settings, org_tree):
    settings.CACHES = _cache_at(f"redis://127.0.0.1:{choose_port(6399)}/0")  # nothing listens there
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    applicant = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])  # staff: session written each minute
    started = time.monotonic()
    for user in (applicant, handler):
        client.force_login(user)
        assert client.get("/", follow=True).status_code == 200  # the role's workspace
        assert client.get("/api/v1/me/").json()["username"] == user.username
        assert client.get("/notifications/").status_code == 200
        assert client.post("/accounts/logout/").status_code == 302
        assert client.get("/api/v1/me/").status_code == 403  # signed out for good
    for _ in range(3):
        assert client.get("/titles/eligibility/").status_code == 200  # the rate limit fails open
    assert time.monotonic() - started < 10  # no reconnect loop per request


@pytest.mark.skipif(not PrivateRedis.available(), reason="needs the redis-server program")
def test_a_delete_lost_while_redis_was_down_is_purged_when_it_returns(settings):
    from django.core.cache import cache

    server = PrivateRedis(port=6392, persistent=True).start()
    try:
        settings.CACHES = _cache_at(server.url(), retry_after=0.2)
        raw = redis.Redis(port=server.port)
        cache.set("session-of-someone", {"user": 1})
        server.stop()
        cache.delete("session-of-someone")  # signing out while Redis is down: the delete is lost
        assert cache.get("session-of-someone") is None  # a miss meanwhile (the database decides)
        server.start()  # back with its data: the old copy is there again
        assert raw.exists(cache.make_key("session-of-someone"))
        time.sleep(0.3)
        assert cache.get("session-of-someone") is None  # purged before the first read after the outage
        assert not raw.exists(cache.make_key("session-of-someone"))
        cache.set("fresh", 1)
        assert cache.get("fresh") == 1
    finally:
        server.destroy()
