"""Account allocation as seed 002 二(三)3 sets it, through the services and the 账号管理 pages."""

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accounts.models import Event, Role, RoleMembership, User
from accounts.permissions import may_grant
from accounts.services import create_account, register_individual, reset_password, revoke_role
from tests.factories import UserFactory, user_with_role, valid_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(org_tree):
    return {
        "handler": user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"]),
        "unit_admin": user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_a"]),
        "dept": user_with_role(Role.DEPT_REVIEWER, org_tree["dept"]),
        "bureau": user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"]),
        "other_bureau": user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"]),
        "sysadmin": user_with_role(Role.SYSTEM_ADMIN, org_tree["bureau"]),
    }


@pytest.mark.parametrize("who, role, where, allowed", [
    ("handler", Role.APPLICANT, "employer_a", True),          # 申报人账号由本单位经办人分配
    ("handler", Role.APPLICANT, "employer_b", False),
    ("unit_admin", Role.APPLICANT, "employer_a", False),
    ("unit_admin", Role.EMPLOYER_HANDLER, "employer_a", True),  # 经办人账号由用人单位自行分配
    ("handler", Role.EMPLOYER_HANDLER, "employer_a", False),
    ("dept", Role.EMPLOYER_ADMIN, "employer_a", True),        # 事业单位（含国企）管理员由同级行业主管部门分配
    ("bureau", Role.EMPLOYER_ADMIN, "employer_a", False),
    ("bureau", Role.EMPLOYER_ADMIN, "employer_b", True),      # 民营经济组织的由同级人社部门分配
    ("dept", Role.EMPLOYER_ADMIN, "employer_b", False),
    ("bureau", Role.DEPT_REVIEWER, "dept", True),             # 行业主管部门的由同级人社部门分配
    ("dept", Role.DEPT_REVIEWER, "dept", False),
    ("other_bureau", Role.EMPLOYER_ADMIN, "employer_b", False),
    ("other_bureau", Role.DEPT_REVIEWER, "dept", False),
    ("bureau", Role.BUREAU_REVIEWER, "bureau", False),
    ("sysadmin", Role.BUREAU_REVIEWER, "other_bureau", True),
])
def test_who_allocates_whom(org_tree, staff, who, role, where, allowed):
    assert may_grant(staff[who], role, org_tree[where]) is allowed


def test_created_account_has_a_temporary_password_that_must_be_changed(org_tree, staff):
    user, password = create_account(actor=staff["handler"], organisation=org_tree["employer_a"], role=Role.APPLICANT,
                                    username="wang.fang", real_name="王芳", phone="13912345678")
    assert user.must_change_password and user.check_password(password)
    validate_password(password, user)
    assert list(user.role_memberships.values_list("organisation", "role")) == [
        (org_tree["employer_a"].pk, Role.APPLICANT)]
    event = Event.objects.get(action="create_account")
    assert event.actor == staff["handler"] and event.object_id == str(user.pk) and password not in event.comment
    with pytest.raises(PermissionDenied):
        create_account(actor=staff["handler"], organisation=org_tree["employer_b"], role=Role.APPLICANT,
                       username="li.lei", real_name="李雷")


def test_bad_account_data_names_the_field(org_tree, staff):
    with pytest.raises(ValidationError) as refusal:
        create_account(actor=staff["handler"], organisation=org_tree["employer_a"], role=Role.APPLICANT,
                       username=staff["unit_admin"].username, real_name="重名", id_number="140402199001011234")
    assert set(refusal.value.message_dict) == {"username", "id_number"}
    assert not User.objects.filter(real_name="重名").exists() and not Event.objects.exists()


def test_reset_password_and_revoke_role_by_the_allocator_only(org_tree, staff):
    applicant = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    with pytest.raises(PermissionDenied):
        reset_password(actor=staff["unit_admin"], user=applicant)
    password = reset_password(actor=staff["handler"], user=applicant)
    applicant.refresh_from_db()
    assert applicant.check_password(password) and applicant.must_change_password
    membership = RoleMembership.objects.get(user=applicant)
    with pytest.raises(PermissionDenied):
        revoke_role(actor=staff["other_bureau"], membership=membership)
    revoke_role(actor=staff["handler"], membership=membership)
    assert not RoleMembership.objects.filter(user=applicant).exists()
    assert list(Event.objects.order_by("pk").values_list("action", flat=True)) == ["reset_password", "revoke_role"]
    with pytest.raises(PermissionDenied):  # nobody resets their own password this way
        reset_password(actor=staff["handler"], user=staff["handler"])


# --- pages ----------------------------------------------------------------------------------------

def test_handler_creates_an_applicant_who_must_set_a_new_password(client, org_tree, staff):
    client.force_login(staff["handler"])
    assert "账号管理" in client.get("/workspace/employer_handler/").content.decode()
    page = client.get("/accounts/manage/").content.decode()
    assert "甲单位" in page and 'value="applicant"' in page and 'value="employer_admin"' not in page
    response = client.post(f"/accounts/manage/{org_tree['employer_a'].pk}/create/", {
        "role": "applicant", "username": "wang.fang", "real_name": "王芳", "phone": "13912345678"})
    assert response.status_code == 200
    password = re.search(r'data-testid="temporary-password">([^<]+)<', response.content.decode()).group(1)

    applicant = Client()
    assert applicant.post("/accounts/login/", {"username": "wang.fang", "password": password}).status_code == 302
    forced = applicant.get("/workspace/applicant/", follow=True)
    assert forced.redirect_chain[-1][0].startswith("/accounts/password/")
    assert "临时密码" in forced.content.decode()
    weak = applicant.post("/accounts/password/", {"old_password": password, "new_password": "abcdefgh",
                                                  "new_password_again": "abcdefgh"})
    assert weak.status_code == 200 and "至少 3 类" in weak.content.decode()
    done = applicant.post("/accounts/password/", {"old_password": password, "new_password": "Taihang-Peak-88",
                                                  "new_password_again": "Taihang-Peak-88", "next": "/"})
    assert done.status_code == 302
    assert applicant.get("/workspace/applicant/").status_code == 200
    assert not User.objects.get(username="wang.fang").must_change_password
    assert Event.objects.filter(action="change_password").count() == 1


@pytest.mark.parametrize("data, field", [
    ({"role": "applicant", "username": "", "real_name": "王芳"}, "用户名"),
    ({"role": "applicant", "username": "wf", "real_name": "王芳", "id_number": "123"}, "身份证号码"),
    ({"role": "applicant", "username": "wf", "real_name": "王芳", "phone": "123"}, "手机号码"),
    ({"role": "nonsense", "username": "wf", "real_name": "王芳"}, "角色"),
])
def test_bad_input_is_a_400_naming_the_field(client, org_tree, staff, data, field):
    client.force_login(staff["handler"])
    response = client.post(f"/accounts/manage/{org_tree['employer_a'].pk}/create/", data)
    assert response.status_code == 400
    assert re.search(f"<li>{field}：", response.content.decode())
    assert not User.objects.filter(real_name="王芳").exists()


def test_other_city_gets_403_or_404_and_nothing_changes(client, org_tree, staff):
    applicant = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    membership = RoleMembership.objects.get(user=applicant)
    client.force_login(staff["other_bureau"])
    assert "甲单位" not in client.get("/accounts/manage/").content.decode()
    assert client.post(f"/accounts/manage/{org_tree['employer_a'].pk}/create/",
                       {"role": "applicant", "username": "x1", "real_name": "某"}).status_code == 403
    assert client.post(f"/accounts/manage/{org_tree['employer_b'].pk}/grant/",
                       {"role": "employer_admin", "username": applicant.username}).status_code == 403
    assert client.post(f"/accounts/manage/memberships/{membership.pk}/revoke/").status_code == 403
    assert client.post(f"/accounts/manage/users/{applicant.pk}/reset-password/").status_code == 403
    assert client.post("/accounts/manage/users/999999/reset-password/").status_code == 404
    assert RoleMembership.objects.filter(pk=membership.pk).exists() and not Event.objects.exists()


def test_bureau_grants_a_non_public_unit_admin_and_resets_a_password_on_the_page(client, org_tree, staff):
    newcomer = UserFactory(username="zhao.lei")
    client.force_login(staff["bureau"])
    response = client.post(f"/accounts/manage/{org_tree['employer_b'].pk}/grant/",
                           {"role": "employer_admin", "username": "zhao.lei"})
    assert response.status_code == 302
    assert newcomer.role_memberships.get().role == Role.EMPLOYER_ADMIN
    unknown = client.post(f"/accounts/manage/{org_tree['employer_b'].pk}/grant/",
                          {"role": "employer_admin", "username": "nobody"})
    assert unknown.status_code == 400 and "用户名：没有用户名为“nobody”的账号" in unknown.content.decode()
    reset = client.post(f"/accounts/manage/users/{newcomer.pk}/reset-password/")
    assert reset.status_code == 200
    newcomer.refresh_from_db()
    assert newcomer.must_change_password and not newcomer.check_password("test-password-1")


# --- individuals served directly by the HR bureau (兜底) -----------------------------------------------

def test_an_individual_registers_and_is_attached_to_the_bureau(org_tree):
    client = Client()
    page = client.get("/accounts/register/").content.decode()
    assert "市人社局" in page and "外市人社局" in page and "甲单位" not in page
    form = {"bureau": org_tree["bureau"].pk, "username": "freelancer", "real_name": "周敏",
            "id_number": valid_id_number(77), "phone": "13712345678", "password": "Taihang-Peak-88",
            "password_again": "Taihang-Peak-88"}
    assert client.post("/accounts/register/", form).status_code == 302
    user = User.objects.get(username="freelancer")
    assert list(user.role_memberships.values_list("organisation", "role")) == [(org_tree["bureau"].pk, "applicant")]
    assert client.get("/workspace/applicant/").status_code == 200
    event = Event.objects.get(action="register_individual")
    assert event.actor == user


@pytest.mark.parametrize("change, field", [
    ({"bureau": "x"}, "受理的人社部门"),
    ({"id_number": "140402199001011234"}, "身份证号码"),
    ({"phone": ""}, "手机号码"),
    ({"password": "abcdefghij", "password_again": "abcdefghij"}, "密码"),
    ({"password_again": "other"}, "再次输入密码"),
    ({"username": ""}, "用户名"),
])
def test_registration_refuses_bad_input_naming_the_field(org_tree, change, field):
    form = {"bureau": org_tree["bureau"].pk, "username": "freelancer", "real_name": "周敏",
            "id_number": valid_id_number(77), "phone": "13712345678", "password": "Taihang-Peak-88",
            "password_again": "Taihang-Peak-88"} | change
    response = Client().post("/accounts/register/", form)
    assert response.status_code == 400
    assert f"<li>{field}：" in response.content.decode()
    assert not User.objects.filter(username="freelancer").exists()


def test_an_employer_cannot_be_chosen_as_the_registering_bureau(org_tree):
    with pytest.raises(ValidationError) as refusal:
        register_individual(bureau=org_tree["employer_a"], username="x", real_name="某", id_number="",
                            phone="", password="Taihang-Peak-88")
    assert "bureau" in refusal.value.message_dict


def test_the_manage_page_costs_the_same_queries_for_more_units_and_members(client, org_tree, staff,
                                                                           django_assert_max_num_queries):
    from tests.factories import OrganisationFactory

    client.force_login(staff["bureau"])
    client.get("/accounts/manage/")
    with django_assert_max_num_queries(20) as few:
        assert client.get("/accounts/manage/").status_code == 200
    most = len(few.captured_queries)  # read now: each request empties the connection's query log
    for n in range(4):
        unit = OrganisationFactory(name=f"民营企业{n}", parent=org_tree["bureau"], sector="non_public")
        for _ in range(3):
            user_with_role(Role.EMPLOYER_ADMIN, unit)
    client.get("/accounts/manage/")  # the new memberships replaced the roles' cache version: it refills once
    with django_assert_max_num_queries(most):
        page = client.get("/accounts/manage/").content.decode()
    assert "民营企业3" in page


def test_the_bureau_resets_a_department_reviewers_lost_authenticator(client, org_tree, staff):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    reviewer = staff["dept"]
    TOTPDevice.objects.create(user=reviewer, name="身份验证器", confirmed=True)
    StaticDevice.objects.create(user=reviewer, name="恢复码")
    client.force_login(staff["handler"])
    assert client.post(f"/accounts/manage/users/{reviewer.pk}/reset-two-factor/").status_code == 403
    client.force_login(staff["bureau"])
    assert "重置动态验证" in client.get("/accounts/manage/").content.decode()
    assert client.post(f"/accounts/manage/users/{reviewer.pk}/reset-two-factor/").status_code == 302
    assert not TOTPDevice.objects.filter(user=reviewer, name="身份验证器").exists()
    assert not StaticDevice.objects.filter(user=reviewer).exists()
    assert Event.objects.get(action="reset_two_factor").object_id == str(reviewer.pk)
    again = Client()
    again.post("/accounts/login/", {"username": reviewer.username, "password": "test-password-1"})
    assert again.get("/accounts/otp/", follow=True).redirect_chain[-1][0].startswith("/accounts/otp/setup/")
