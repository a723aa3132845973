"""Rate limits per client address for public pages and their APIs (DRF's throttle, counts in the cache).

The counts live in the default cache (Redis when ``REDIS_URL`` is set), so every web process shares
them; the address is ``accounts.client_ip`` (a forged X-Forwarded-For does not reset the count).
A page uses the same class as its API: ``throttle.allow_request(request, None)``.
"""

import math

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .client_ip import client_ip


class ClientAddressThrottle(SimpleRateThrottle):
    """Subclasses name ``scope``, the setting holding the rate (``rate_setting``) and whether signed-in
    users are exempt (``signed_out_only``)."""

    rate_setting = ""
    signed_out_only = False

    def get_rate(self):
        return getattr(settings, self.rate_setting)

    def get_cache_key(self, request, view):
        if self.signed_out_only and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


def wait_seconds(wait) -> int:
    return max(1, math.ceil(wait or 1))
