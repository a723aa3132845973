"""The shared cache's serializer (``config.cache.PickleFirstSerializer``): what is stored is read back as it was,
through the real Redis, whatever its first byte."""

import pytest
from django.core.cache import cache

VALUES = [0, 7, -3, 2**40, "123", "", b"\x80 not a pickle", b"digits 42", ("v1", {"a": [1, 2]}), True, None, 1.5]


@pytest.mark.parametrize("value", VALUES, ids=[repr(value)[:20] for value in VALUES])
def test_a_value_comes_back_as_it_went_in(value):
    cache.set("zc:test:serializer", value)
    assert cache.get("zc:test:serializer", "absent") == value
    assert type(cache.get("zc:test:serializer")) is type(value)


def test_many_at_once_and_counters():
    cache.set_many({"zc:test:a": 41, "zc:test:b": ("x", 1)})
    assert cache.incr("zc:test:a") == 42  # an int is stored as its digits: Redis counts it
    assert cache.get_many(["zc:test:a", "zc:test:b"]) == {"zc:test:a": 42, "zc:test:b": ("x", 1)}


def test_the_shared_cache_uses_it():
    from config.cache import PickleFirstSerializer

    assert isinstance(cache._cache._serializer, PickleFirstSerializer)
