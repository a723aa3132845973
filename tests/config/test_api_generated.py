"""Issue 12: generated requests for every operation of the OpenAPI schema never get a 5xx, and
every status they get is one the schema documents for that operation.

Schemathesis turns the schema that drf-spectacular serves into Hypothesis strategies: valid requests
(positive) and requests that break the schema (negative: wrong types, ids that are not numbers,
missing or extra fields). They go through Django's test client, with DEBUG off, as a signed-in
bureau reviewer (who may publish and amend) and as an applicant (who may only read published plans).
``ZC_API_EXAMPLES`` sets the number of examples per operation (default 12).
"""

import json
import os
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from accounts.models import Role
from tests.factories import review_plan, user_with_role
from titles.services import publish_plan

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("ZC_API_EXAMPLES", "12"))


def _schema():
    document = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))


SCHEMA = _schema()
OPERATIONS = sorted((op.ok().method.upper(), op.ok().path) for op in SCHEMA.get_all_operations())


def test_the_schema_lists_every_api_operation():
    assert {("POST", "/api/v1/plans/{id}/amend/"), ("POST", "/api/v1/plans/{id}/publish/"),
            ("GET", "/api/v1/plans/{id}/problems/"), ("GET", "/api/v1/organisations/{id}/"),
            ("POST", "/api/v1/eligibility/check"), ("GET", "/api/v1/me/")} <= set(OPERATIONS)


def test_every_api_viewset_goes_through_the_gated_base():
    from config.api import GatedViewSet
    from config.urls import router

    assert router.registry
    for prefix, viewset, _basename in router.registry:
        assert issubclass(viewset, GatedViewSet), prefix
        assert viewset.visible and viewset.access_gate and viewset.lookup_value_regex == "[0-9]+", prefix


def _send(client, case):
    path = quote(case.formatted_path, safe="/")
    query = urlencode(case.query or {}, doseq=True)
    body = case.body
    if body is None or type(body).__name__ == "NotSet":
        return client.generic(case.method, path, QUERY_STRING=query)
    media_type = case.media_type or "application/json"
    if isinstance(body, bytes):
        data = body
    else:
        data = json.dumps(body, default=repr) if "json" in media_type else str(body)
    return client.generic(case.method, path, data=data, content_type=media_type, QUERY_STRING=query)


@pytest.fixture
def signed_in(client, org_tree, request):
    bureau_user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    published = review_plan(org_tree["bureau"])
    publish_plan(actor=bureau_user, plan_id=published.pk)
    review_plan(org_tree["bureau"])  # a draft the applicant may not see
    who = {"bureau": bureau_user, "applicant": user_with_role(Role.APPLICANT, org_tree["employer_a"])}
    client.force_login(who[request.param])
    return client


@pytest.mark.parametrize("signed_in", ["bureau", "applicant"], indirect=True)
@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_generated_requests_never_get_a_server_error(signed_in, settings, method, path, mode):
    settings.DEBUG = False
    strategy = SCHEMA[path][method].as_strategy(generation_mode=mode)
    documented = set(SCHEMA.raw_schema["paths"][path][method.lower()]["responses"])
    seen = set()

    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        response = _send(signed_in, case)
        assert response.status_code < 500, (case.formatted_path, case.query, case.body, response.content[:300])
        assert str(response.status_code) in documented, (response.status_code, case.formatted_path, case.body)
        if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
            assert "errors" in response.json(), response.content[:300]
        seen.add(response.status_code)

    run()
    assert seen
