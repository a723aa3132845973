"""The public verification's rate limit: every caller, per client address, page, QR link and API alike."""

from accounts.throttles import ClientAddressThrottle, wait_seconds


class VerificationThrottle(ClientAddressThrottle):
    scope = "certificate_verify"
    rate_setting = "CERTIFICATE_VERIFY_RATE"


def throttled_message(wait) -> str:
    return f"证书核验过于频繁，请 {wait_seconds(wait)} 秒后再试"
