"""The public objection form's rate limit: per client address (``accounts.client_ip``: behind trusted
proxies, a forged X-Forwarded-For does not reset it), signed in or not, page and API together; the
counts live in the shared cache (Redis when ``REDIS_URL`` is set). ``RESULT_OBJECTION_RATE``."""

import math

from django.conf import settings

from accounts.client_ip import client_ip
from titles.throttles import PublicEligibilityThrottle


class PublicObjectionThrottle(PublicEligibilityThrottle):
    scope = "result_objection"

    def get_rate(self):
        return settings.RESULT_OBJECTION_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


def throttled_message(wait) -> str:
    return f"提交异议过于频繁，请 {max(1, math.ceil(wait or 1))} 秒后再试"
