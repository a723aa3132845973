import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from accounts.validators import id_number_problem, mask_id_number, mask_phone, validate_id_number
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["11010519491231002X", "440524188001010014", "11010119900307803X"])
def test_valid_id_numbers(value):
    if value == "11010119900307803X":
        # constructed: its check code follows GB 11643
        from accounts.validators import id_number_check_code

        value = value[:17] + id_number_check_code(value[:17])
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


def test_api_lists_never_carry_id_numbers(client, org_tree):
    user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    client.force_login(user)
    body = client.get("/api/v1/organisations/").content.decode()
    assert user.id_number not in body
