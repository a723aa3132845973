import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from accounts.validators import id_number_problem, mask_id_number, mask_phone, validate_id_number
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


# check codes worked out by hand with GB 11643's weights (7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, mod 11)
@pytest.mark.parametrize("value", ["11010519491231002X", "440524188001010014", "11010119900307803X",
                                   "140402198506151239", "320106197811224615"])
def test_valid_id_numbers(value):
    assert id_number_problem(value) is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("110105194912310021", "校验位"),
        ("11010519491331002X", "出生日期"),
        ("1101051949123100", "18 位"),
        ("11010519491231002Y", "18 位"),
    ],
)
def test_invalid_id_numbers_say_what_is_wrong(value, fragment):
    with pytest.raises(ValidationError) as info:
        validate_id_number(value)
    assert fragment in info.value.messages[0]


def test_masks():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("") == "" and mask_phone("") == ""


def test_organisation_page_masks_others_but_shows_the_owner_their_own(client, org_tree):
    admin = user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_a"])
    colleague = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    client.force_login(admin)
    html = client.get(f"/organisations/{org_tree['employer_a'].pk}/").content.decode()
    assert colleague.id_number not in html and colleague.phone not in html
    assert colleague.id_number_masked in html and colleague.phone_masked in html
    assert admin.id_number in html  # their own, unmasked


def test_api_me_shows_own_data_unmasked(client, org_tree):
    user = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    client.force_login(user)
    data = client.get("/api/v1/me/").json()
    assert data["id_number"] == user.id_number
    assert data["roles"][0]["role"] == "applicant"


def test_no_api_answer_carries_someone_elses_id_number_or_phone(client, org_tree):
    """Every GET operation of the OpenAPI schema, for every object the bureau reviewer may see."""
    from tests.factories import review_plan
    from titles.services import publish_plan

    user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    others = [user_with_role(role, org_tree[org]) for role, org in
              [(Role.APPLICANT, "employer_a"), (Role.EMPLOYER_ADMIN, "employer_a"), (Role.DEPT_REVIEWER, "dept")]]
    publish_plan(actor=user, plan_id=review_plan(org_tree["bureau"]).pk)
    client.force_login(user)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    ids = {"organisations": [o["id"] for o in client.get("/api/v1/organisations/").json()["results"]],
           "plans": [p["id"] for p in client.get("/api/v1/plans/").json()["results"]]}
    answered = 0
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        kind = path.split("/")[3]
        urls = [path.replace("{id}", str(pk)) for pk in ids.get(kind, [])] if "{id}" in path else [path]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.content.decode()
            for other in others:
                assert other.id_number not in body and other.phone not in body, url
            answered += 1
    assert answered >= 6  # me, organisations (list and details), plans (list, detail, problems)
