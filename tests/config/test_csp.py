"""The Content-Security-Policy headers (``config.csp``): an ordinary response's are built once per process and
are django-csp's own; a response with a policy of its own, a nonce read or the settings changed get theirs."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE
from csp.decorators import csp_exempt, csp_update
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from config.csp import CSPMiddleware


def _respond(view=None, path="/titles/plans/"):
    request = RequestFactory().get(path)
    middleware = CSPMiddleware(view or (lambda request: HttpResponse("x")))
    middleware.process_request(request)
    return request, middleware.process_response(request, middleware.get_response(request))


def test_an_ordinary_response_carries_django_csps_policy_built_once():
    _, response = _respond()
    assert response[HEADER] == build_policy() and "script-src 'self'" in response[HEADER]
    assert HEADER_REPORT_ONLY not in response
    built = CSPMiddleware._built
    _, again = _respond()
    assert again[HEADER] == response[HEADER] and CSPMiddleware._built is built  # not built again


@pytest.mark.django_db
def test_pages_through_the_middleware_stack_carry_it(client):
    response = client.get("/titles/plans/")
    assert response.status_code == 200 and response[HEADER] == build_policy()


def test_other_settings_give_their_policy_at_once():
    policy = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "https://img.example"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy, CONTENT_SECURITY_POLICY_REPORT_ONLY=policy):
        _, response = _respond()
        assert "https://img.example" in response[HEADER] and "https://img.example" in response[HEADER_REPORT_ONLY]
    _, response = _respond()
    assert "https://img.example" not in response[HEADER] and HEADER_REPORT_ONLY not in response


def test_a_view_with_a_policy_of_its_own_or_exempt_gets_it():
    _, updated = _respond(csp_update({"img-src": "https://maps.example"})(lambda request: HttpResponse("x")))
    assert "https://maps.example" in updated[HEADER] and "script-src 'self'" in updated[HEADER]
    _, exempt = _respond(csp_exempt()(lambda request: HttpResponse("x")))
    assert HEADER not in exempt
    _, plain = _respond()
    assert "https://maps.example" not in plain[HEADER]


def test_a_nonce_read_is_in_the_header_and_reading_it_afterwards_is_an_error():
    from csp.exceptions import CSPNonceError

    policy = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        seen = {}

        def view(request):
            seen["nonce"] = str(request.csp_nonce)
            return HttpResponse("x")

        _, response = _respond(view)
        assert f"'nonce-{seen['nonce']}'" in response[HEADER]
        request, response = _respond()
        assert "nonce-" not in response[HEADER]
        with pytest.raises(CSPNonceError):
            str(request.csp_nonce)


def test_excluded_prefixes_are_left_out():
    policy = {"EXCLUDE_URL_PREFIXES": ["/admin/"], "DIRECTIVES": {"default-src": ["'self'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        assert HEADER not in _respond(path="/admin/x/")[1]
        assert HEADER in _respond(path="/titles/plans/")[1]
