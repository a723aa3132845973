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
        if any(p.get("required") and p.get("in") == "query" for p in operations["get"].get("parameters", [])):
            continue  # a look-up by what the caller knows (the certificate verification): its own tests
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


# --- full numbers only for the owner, or after an access record --------------------------------


def _pages_showing(person, org):
    """Every page a system admin might read a person on: admin list, form, history, history entries,
    the organisation's page, the person's page and the workspace."""
    from django.urls import reverse

    urls = [reverse("admin:accounts_user_changelist"), reverse("admin:accounts_user_changelist") + "?q=" + person.username,
            reverse("admin:accounts_user_change", args=[person.pk]),
            reverse("admin:accounts_user_history", args=[person.pk]),
            f"/organisations/{org.pk}/", f"/people/{person.pk}/", "/workspace/system_admin/"]
    urls += [reverse("admin:accounts_user_simple_history", args=[person.pk, h.history_id])
             for h in person.history.all()]
    return urls


def test_no_page_shows_a_full_id_number_or_phone_to_a_non_owner_until_an_access_is_recorded(client, org_tree):
    from accounts.models import PersonalDataAccess

    sysadmin = user_with_role(Role.SYSTEM_ADMIN, org_tree["bureau"], is_staff=True, is_superuser=True)
    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    old_phone = person.phone
    person.phone = "13800000099"
    person.save()  # a history diff "old → new" now exists
    client.force_login(sysadmin)
    for url in _pages_showing(person, org_tree["employer_a"]):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        for secret in (person.id_number, person.phone, old_phone):
            assert secret not in html, (url, secret)
    assert person.id_number_masked in client.get(f"/people/{person.pk}/").content.decode()

    refused = client.post(f"/people/{person.pk}/reveal/", {"reason": " "})
    assert refused.status_code == 400 and "查看理由" in refused.content.decode()
    assert person.id_number not in refused.content.decode() and not PersonalDataAccess.objects.exists()

    shown = client.post(f"/people/{person.pk}/reveal/", {"reason": "核对申报材料中的身份信息"},
                        REMOTE_ADDR="10.1.2.3")
    html = shown.content.decode()
    assert shown.status_code == 200 and person.id_number in html and person.phone in html
    assert "no-store" in shown["Cache-Control"]
    access = PersonalDataAccess.objects.get()
    assert (access.viewer, access.person, access.reason, access.ip_address) == (
        sysadmin, person, "核对申报材料中的身份信息", "10.1.2.3")
    assert person.id_number not in client.get(f"/people/{person.pk}/").content.decode()  # hidden again


def test_the_owner_sees_their_own_numbers_and_a_colleague_may_not_ask_for_them(client, org_tree):
    from accounts.models import PersonalDataAccess

    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    colleague = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    client.force_login(person)
    assert person.id_number in client.get(f"/people/{person.pk}/").content.decode()
    client.force_login(colleague)
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert person.id_number not in page and "查看完整号码" not in page
    assert client.post(f"/people/{person.pk}/reveal/", {"reason": "想看看号码"}).status_code == 403
    outsider = user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"])
    client.force_login(outsider)
    assert client.get(f"/people/{person.pk}/").status_code == 403
    assert client.post(f"/people/{person.pk}/reveal/", {"reason": "外市查看号码"}).status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_the_unit_admin_asks_for_the_numbers_with_a_reason(client, org_tree):
    from accounts.models import PersonalDataAccess

    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    client.force_login(user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_a"]))
    assert "查看完整号码" in client.get(f"/people/{person.pk}/").content.decode()
    assert person.id_number in client.post(f"/people/{person.pk}/reveal/", {"reason": "办理社保核对"}).content.decode()
    assert PersonalDataAccess.objects.get().person == person


def test_sign_ins_go_to_their_own_log_not_to_the_users_history(client, org_tree):
    from accounts.models import SignInRecord

    user = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    rows = user.history.count()
    assert client.post("/accounts/login/", {"username": user.username, "password": "wrong-password"}).status_code == 200
    assert client.post("/accounts/login/", {"username": user.username, "password": "test-password-1"}).status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None and user.history.count() == rows
    failed, succeeded = SignInRecord.objects.order_by("pk")
    assert (failed.succeeded, failed.user, failed.username) == (False, None, user.username)
    assert (succeeded.succeeded, succeeded.user) == (True, user)


def test_no_admin_page_of_any_model_shows_a_full_number(client, org_tree):
    """Every changelist, change form and history page of every registered model, as the system admin."""
    from django.contrib import admin
    from django.urls import reverse

    from accounts.services import grant_role, record_event

    sysadmin = user_with_role(Role.SYSTEM_ADMIN, org_tree["bureau"], is_staff=True, is_superuser=True)
    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    person.phone = "13800000099"
    person.save()
    grant_role(actor=sysadmin, user=person, organisation=org_tree["employer_a"], role=Role.EMPLOYER_HANDLER)
    record_event(actor=sysadmin, action="test", obj=person, comment="备注")
    client.force_login(sysadmin)
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls = [reverse(f"admin:{info[0]}_{info[1]}_changelist")]
        for pk in model._default_manager.order_by("-pk").values_list("pk", flat=True)[:3]:
            urls += [reverse(f"admin:{info[0]}_{info[1]}_change", args=[pk]),
                     reverse(f"admin:{info[0]}_{info[1]}_history", args=[pk])]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert person.id_number not in html and person.phone not in html, url
