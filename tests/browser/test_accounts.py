"""Browser: a handler allocates an applicant account; the applicant must replace the temporary
password; a bureau reviewer is asked for the TOTP code after the password."""

import pytest

from accounts.models import Role, User
from tests.browser.conftest import enrolled_device, sign_in, totp_code
from tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_handler_creates_an_applicant_who_sets_a_new_password(page, live_server, org_tree):
    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    sign_in(page, live_server.url, handler.username, "test-password-1")
    page.get_by_role("link", name="账号管理").click()
    card = page.get_by_test_id(f"manage-{org_tree['employer_a'].pk}")
    card.get_by_text("新建账号", exact=True).first.click()
    card.get_by_label("用户名").first.fill("wang.fang")
    card.get_by_label("姓名").fill("王芳")
    card.get_by_label("手机号码").fill("13912345678")
    card.get_by_role("button", name="新建账号").click()
    password = page.get_by_test_id("temporary-password").inner_text().strip()
    assert page.get_by_test_id("account-username").inner_text() == "wang.fang"
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/accounts/login/")

    sign_in(page, live_server.url, "wang.fang", password)
    page.wait_for_url("**/accounts/password/**")
    assert "临时密码" in page.get_by_test_id("must-change-password").inner_text()
    page.get_by_role("link", name="职称申报评审平台").click()  # every page leads back here until it is done
    page.wait_for_url("**/accounts/password/**")
    page.fill("#id_old_password", password)
    page.fill("#id_new_password", "abcdefghij")
    page.fill("#id_new_password_again", "abcdefghij")
    page.get_by_role("button", name="保存新密码").click()
    assert "至少 3 类" in " ".join(page.get_by_test_id("new-password-error").all_inner_texts())
    page.fill("#id_old_password", password)
    page.fill("#id_new_password", "Taihang-Peak-88")
    page.fill("#id_new_password_again", "Taihang-Peak-88")
    page.get_by_role("button", name="保存新密码").click()
    page.get_by_test_id("workspace-title").wait_for()
    assert page.get_by_test_id("workspace-title").inner_text() == "申报人工作台"
    assert not User.objects.get(username="wang.fang").must_change_password


def test_bureau_reviewer_is_asked_for_the_totp_code(page, live_server, org_tree):
    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    device = enrolled_device(reviewer)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", reviewer.username)
    page.fill("#id_password", "test-password-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/otp/**")
    page.goto(f"{live_server.url}/workspace/bureau_reviewer/")  # not before the code
    page.wait_for_url("**/accounts/otp/**")
    page.fill("#id_token", "000000")
    page.get_by_role("button", name="验证").click()
    assert "不正确" in page.get_by_role("alert").inner_text()
    page.wait_for_timeout(1100)  # django-otp's throttle after a wrong code
    page.fill("#id_token", totp_code(device))
    page.get_by_role("button", name="验证").click()
    page.get_by_test_id("workspace-title").wait_for()
    assert page.get_by_test_id("workspace-title").inner_text() == "人社部门审核人工作台"


def test_the_admin_console_works_under_the_content_security_policy(page, live_server, org_tree):
    admin = user_with_role(Role.SYSTEM_ADMIN, org_tree["bureau"], is_staff=True, is_superuser=True)
    sign_in(page, live_server.url, admin.username, "test-password-1")
    page.get_by_test_id("workspace-title").wait_for()
    page.goto(f"{live_server.url}/admin/accounts/organisation/{org_tree['employer_a'].pk}/change/")
    page.get_by_role("button", name="保存", exact=True).wait_for()
    page.goto(f"{live_server.url}/admin/accounts/organisation/")
    page.locator("#result_list").wait_for()
