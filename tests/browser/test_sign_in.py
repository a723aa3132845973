import pytest

from accounts.demo import load_demo
from accounts.models import Role
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_demo_user_signs_in_and_lands_in_their_workspace(page, live_server):
    users = load_demo()
    assert {spec.role for spec, _ in users} == set(Role.values)
    for spec, password in users:
        sign_in(page, live_server.url, spec.username, password)
        title = page.get_by_test_id("workspace-title")
        title.wait_for()
        assert title.inner_text() == f"{Role(spec.role).label}工作台", spec.username
        assert page.get_by_test_id("current-user").inner_text() == spec.real_name
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_wrong_password_shows_a_chinese_error_and_stays_signed_out(page, live_server):
    load_demo()
    sign_in(page, live_server.url, "applicant", "wrong-password")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "用户名" in alert.inner_text() and "密码" in alert.inner_text()
    page.goto(f"{live_server.url}/workspace/applicant/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
