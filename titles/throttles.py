"""The public self-check's rate limit: signed-out callers, per client address, page and API alike.

Signed-in users are not limited here (their accounts are known and sign-in is guarded by axes).
"""

from accounts.throttles import ClientAddressThrottle, wait_seconds


class PublicEligibilityThrottle(ClientAddressThrottle):
    scope = "eligibility"
    rate_setting = "ELIGIBILITY_ANON_RATE"
    signed_out_only = True


def throttled_message(wait) -> str:
    return f"未登录用户的申报条件自测过于频繁，请 {wait_seconds(wait)} 秒后再试（登录后不受此限制）"
