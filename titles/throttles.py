"""The public self-check's rate limit: signed-out callers, per client address, page and API alike.

Signed-in users are not limited here (their accounts are known and sign-in is guarded by axes). The
counts live in the default cache (Redis when ``REDIS_URL`` is set), so every web process shares them.
"""

import math

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.client_ip import client_ip


class PublicEligibilityThrottle(SimpleRateThrottle):
    scope = "eligibility"

    def get_rate(self):
        return settings.ELIGIBILITY_ANON_RATE

    def get_cache_key(self, request, view):
        if request.user.is_authenticated:
            return None
        # the one client address behind trusted proxies (a forged X-Forwarded-For does not reset the count)
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


def throttled_message(wait) -> str:
    seconds = max(1, math.ceil(wait or 1))
    return f"未登录用户的申报条件自测过于频繁，请 {seconds} 秒后再试（登录后不受此限制）"
