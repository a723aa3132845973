"""FLOW.md's declaration resources through the API: answers, error bodies, permissions, query counts."""

import pytest

from accounts.models import Role
from declarations.models import Declaration
from tests.declarations.conftest import attach_required_materials, fill_profile
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db
URL = "/api/v1/declarations/"


@pytest.fixture
def api(client, applicant):
    client.force_login(applicant)
    return client


def _create(api, the_plan, **body):
    return api.post(URL, {"plan": the_plan.pk, "level": "intermediate", **body}, content_type="application/json")


def test_create_answers_201_with_state_actions_and_version(api, in_window, plan):
    response = _create(api, plan, specialty=plan.specialties.first().pk, route="regular")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft" and body["version"] == 0 and body["plan"] == plan.pk
    assert body["actions"] == ["submit", "withdraw"]
    detail = api.get(f"{URL}{body['id']}/").json()
    assert detail["id"] == body["id"] and detail["state"] == "draft"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"level": "middle"}, "level"), ({"route": "x"}, "route"), ({"plan": "abc"}, "plan"),
     ({"route": "green_channel"}, "green_channel_reference")],
)
def test_bad_fields_are_400_with_errors_in_chinese(api, in_window, plan, body, field):
    response = _create(api, plan, **body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Declaration.objects.exists()


def test_window_closed_is_409_with_the_rule(api, plan):
    response = _create(api, plan)
    assert response.status_code == 409
    assert response.json()["rule"] == "DECLARATION_WINDOW" and "申报时间" in response.json()["detail"]


def test_submit_through_the_api_and_versions(api, in_window, plan, applicant):
    fill_profile(applicant, series=plan.series)
    declaration_id = _create(api, plan).json()["id"]
    kinds = api.get(f"{URL}{declaration_id}/material-kinds/").json()
    assert {"code": "id_card", "label": "居民身份证", "required": True} in kinds
    refused = api.post(f"{URL}{declaration_id}/actions/submit/", {"pledge": True}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["rule"] == "MATERIALS_REQUIRED"
    attach_required_materials(Declaration.objects.get(pk=declaration_id), applicant)
    no_pledge = api.post(f"{URL}{declaration_id}/actions/submit/", {}, content_type="application/json")
    assert no_pledge.status_code == 400 and "pledge" in no_pledge.json()["errors"]
    done = api.post(f"{URL}{declaration_id}/actions/submit/", {"pledge": True}, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "employer_review" and done.json()["version"] == 1
    versions = api.get(f"{URL}{declaration_id}/versions/").json()
    assert [v["number"] for v in versions] == [1]
    again = api.post(f"{URL}{declaration_id}/actions/submit/", {"pledge": True}, content_type="application/json")
    assert again.status_code == 409 and again.json()["rule"] == "STATE"
    unknown = api.post(f"{URL}{declaration_id}/actions/fly/", {}, content_type="application/json")
    assert unknown.status_code == 404


def test_state_filter(api, in_window, plan):
    _create(api, plan)
    assert api.get(f"{URL}?state=draft").json()["count"] == 1
    assert api.get(f"{URL}?state=approved").json()["count"] == 0
    assert api.get(f"{URL}?state=nonsense").status_code == 400


def test_others_see_nothing(client, in_window, plan, applicant, org_tree):
    api_applicant = client
    api_applicant.force_login(applicant)
    declaration_id = _create(api_applicant, plan).json()["id"]
    paths = [f"{URL}{declaration_id}/", f"{URL}{declaration_id}/versions/", f"{URL}{declaration_id}/materials/",
             f"{URL}{declaration_id}/material-kinds/"]
    others = [
        user_with_role(Role.APPLICANT, org_tree["employer_a"]),
        user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_b"]),
        user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"]),
        user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"]),  # a draft is the applicant's own
    ]
    for other in others:
        client.force_login(other)
        for path in paths:
            assert client.get(path).status_code in (403, 404), (other, path)
        assert client.post(f"{URL}{declaration_id}/actions/withdraw/", {}, content_type="application/json"
                           ).status_code in (403, 404)
        assert client.get(URL).json()["count"] == 0
    client.logout()
    for path in paths:
        assert client.get(path).status_code in (401, 403)
    assert Declaration.objects.get().state == "draft"


def test_the_employer_sees_a_submitted_declaration(client, in_window, plan, applicant, org_tree):
    fill_profile(applicant, series=plan.series)
    client.force_login(applicant)
    declaration_id = _create(client, plan).json()["id"]
    attach_required_materials(Declaration.objects.get(pk=declaration_id), applicant)
    client.post(f"{URL}{declaration_id}/actions/submit/", {"pledge": True}, content_type="application/json")
    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    client.force_login(handler)
    body = client.get(f"{URL}{declaration_id}/").json()
    assert body["state"] == "employer_review" and body["actions"] == ["return"]
    assert client.get(URL).json()["count"] == 1


def test_list_costs_the_same_queries_for_1_or_30_declarations(client, in_window, plan, org_tree,
                                                               django_assert_max_num_queries):
    from declarations.models import Declaration as D

    bureau = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    client.force_login(bureau)

    def add(n):
        for _ in range(n):
            user = user_with_role(Role.APPLICANT, org_tree["employer_a"])
            D.objects.create(applicant=user, employer=org_tree["employer_a"], plan=plan, year=2026,
                             series=plan.series, level="intermediate", state="employer_review")

    add(1)
    with django_assert_max_num_queries(14) as one:  # incl. the second-factor device and the idle-timeout stamp
        assert client.get(URL).json()["count"] == 1
    add(29)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(URL).json()["count"] == 30
