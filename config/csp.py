"""django-csp's middleware, with the headers of an ordinary response built once per process.

django-csp builds the Content-Security-Policy headers anew for every response: the policy's settings copied
into dataclasses, copied again and joined, once for the policy and once for the report-only one (≈ 0.06 ms of
CPU a page, a fortieth of a declaration's page). A response of this site has no policy of its own (no ``@csp``,
``@csp_update``, ``@csp_replace`` or ``@csp_exempt``) and no page reads a nonce, so its headers are the
settings' policies: built once and kept for as long as the settings hold the same policies (``override_settings``
replaces them). A response with a policy or an exemption of its own, a request whose nonce was read, policies
that exclude URL prefixes, and ``DEBUG`` (django-csp leaves its error pages alone) go through django-csp as
before.
"""

from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings

# what a view's decorators set on its response (django-csp 4): such a response is built by django-csp itself
_OWN_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro",
               "_csp_replace_ro", "_csp_exempt", "_csp_exempt_ro")


class CSPMiddleware(csp_middleware.CSPMiddleware):
    _built: tuple = (object(), object(), ("", ""))  # (policy, report-only policy, their headers)

    @classmethod
    def _headers(cls, policy, report_only) -> tuple[str, str]:
        built = cls._built
        if built[0] is not policy or built[1] is not report_only:
            built = cls._built = (policy, report_only, (build_policy(), build_policy(report_only=True)))
        return built[2]

    def process_response(self, request, response):
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        if (getattr(request, "_csp_nonce", None) is not None or settings.DEBUG
                or any(hasattr(response, name) for name in _OWN_POLICY)
                or any((p or {}).get("EXCLUDE_URL_PREFIXES") for p in (policy, report_only))):
            return super().process_response(request, response)
        header, header_report_only = self._headers(policy, report_only)
        if header and HEADER not in response:
            response[HEADER] = header
        if header_report_only and HEADER_REPORT_ONLY not in response:
            response[HEADER_REPORT_ONLY] = header_report_only
        # as django-csp: a nonce read once the header is written would not be in it, so reading it is an error
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response
