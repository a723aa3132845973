"""Object-level permission: a role counts only in its own organisation and, for overseeing roles, below it."""

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.selectors import visible_organisations
from tests.factories import RoleMembershipFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def _pages(org):
    return [reverse("accounts:organisation", args=[org.pk]), f"/api/v1/organisations/{org.pk}/"]


def test_user_without_a_role_gets_403_on_every_organisation(client, org_tree):
    client.force_login(UserFactory())
    for org in org_tree.values():
        for url in _pages(org):
            assert client.get(url).status_code == 403, url


def test_role_in_another_organisation_gives_403(client, org_tree):
    applicant = user_with_role(Role.APPLICANT, org_tree["employer_b"])
    client.force_login(applicant)
    for url in _pages(org_tree["employer_a"]):
        response = client.get(url)
        assert response.status_code == 403
    for url in _pages(org_tree["employer_b"]):
        assert client.get(url).status_code == 200


def test_applicant_does_not_see_organisations_below_or_beside_their_own(client, org_tree):
    applicant = user_with_role(Role.APPLICANT, org_tree["dept"])
    client.force_login(applicant)
    assert client.get(_pages(org_tree["employer_a"])[1]).status_code == 403


def test_competent_department_sees_its_employers_only(client, org_tree):
    reviewer = user_with_role(Role.DEPT_REVIEWER, org_tree["dept"])
    client.force_login(reviewer)
    assert client.get(_pages(org_tree["employer_a"])[1]).status_code == 200
    assert client.get(_pages(org_tree["employer_b"])[1]).status_code == 403
    assert client.get(_pages(org_tree["bureau"])[1]).status_code == 403
    names = {o["name"] for o in client.get("/api/v1/organisations/").json()["results"]}
    assert names == {"市住建局", "甲单位"}


def test_bureau_sees_its_region_but_not_another_city(client, org_tree):
    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    client.force_login(reviewer)
    for key in ("bureau", "dept", "employer_a", "employer_b"):
        assert client.get(_pages(org_tree[key])[0]).status_code == 200, key
    for key in ("other_bureau", "other_employer"):
        assert client.get(_pages(org_tree[key])[0]).status_code == 403, key


def test_system_admin_sees_everything(org_tree):
    admin = user_with_role(Role.SYSTEM_ADMIN, org_tree["bureau"])
    assert visible_organisations(admin).count() == len(org_tree)


def test_anonymous_is_sent_to_sign_in_and_api_answers_403(client, org_tree):
    response = client.get(_pages(org_tree["employer_a"])[0])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(_pages(org_tree["employer_a"])[1]).status_code == 403


def test_workspace_of_a_role_the_user_does_not_hold_is_403(client, org_tree):
    client.force_login(user_with_role(Role.APPLICANT, org_tree["employer_a"]))
    assert client.get("/workspace/applicant/").status_code == 200
    response = client.get("/workspace/bureau_reviewer/")
    assert response.status_code == 403
    assert "您没有该角色" in response.content.decode()
    assert client.get("/workspace/nonsense/").status_code == 404


def test_home_sends_a_single_role_user_to_the_workspace_and_lists_several(client, org_tree):
    user = user_with_role(Role.EXPERT, org_tree["bureau"])
    client.force_login(user)
    assert client.get("/")["Location"] == "/workspace/expert/"
    RoleMembershipFactory(user=user, organisation=org_tree["employer_a"], role=Role.APPLICANT)
    user.refresh_from_db()
    page = client.get("/")
    assert page.status_code == 200
    assert "评审专家工作台" in page.content.decode() and "申报人工作台" in page.content.decode()


def test_organisation_page_costs_the_same_queries_with_more_members(client, org_tree, django_assert_max_num_queries):
    viewer = user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_a"])
    client.force_login(viewer)
    url = _pages(org_tree["employer_a"])[0]
    for _ in range(3):
        user_with_role(Role.APPLICANT, org_tree["employer_a"])
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(30):
        user_with_role(Role.APPLICANT, org_tree["employer_a"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_repeated_wrong_passwords_lock_the_account(client, org_tree, settings):
    user = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 429 and "账号已暂时锁定" in response.content.decode()
    response = client.post("/accounts/login/", {"username": user.username, "password": "test-password-1"})
    assert "账号已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_openapi_schema_is_valid_and_complete(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text(encoding="utf-8")
    for path in ("/api/v1/me/", "/api/v1/organisations/{id}/", "/api/v1/eligibility/check",
                 "/api/v1/plans/{id}/publish/", "/api/v1/plans/{id}/amend/"):
        assert path in schema, path
