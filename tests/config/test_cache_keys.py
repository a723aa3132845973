"""The site's Redis cache (config/cache.py) does not check keys for memcached's limits: Redis takes any key, and
the check cost a walk over every character of every key on each request (README.md, 速度)."""

import warnings

import pytest
from django.conf import settings
from django.core.cache import cache


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis cache (REDIS_URL)")
def test_keys_memcached_would_refuse_are_stored_without_a_warning():
    key = "带空格 的键 " + "x" * 300
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache.set(key, "值")
        assert cache.get_many([key]) == {key: "值"}
