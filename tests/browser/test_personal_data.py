"""Browser: a unit admin asks for a colleague's full numbers with a reason; the auditor reads the record."""

import pytest

from accounts.demo import DEMO_PASSWORD, load_demo
from accounts.models import User
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_full_numbers_after_a_reason_and_the_auditor_sees_the_look(page, live_server):
    load_demo()
    applicant = User.objects.get(username="applicant")
    sign_in(page, live_server.url, "unitadmin", DEMO_PASSWORD)
    page.get_by_test_id("workspace-title").wait_for()
    page.get_by_role("link", name="长治市建筑设计研究院").click()
    page.get_by_role("link", name=applicant.real_name).click()
    assert page.get_by_test_id("id-number").inner_text() == applicant.id_number_masked
    page.get_by_role("button", name="查看完整号码").click()  # no reason: refused, the field named
    assert "查看理由" in page.get_by_role("alert").inner_text()
    assert applicant.id_number not in page.content()
    page.fill("#id_reason", "核对职称申报材料中的身份信息")
    page.get_by_role("button", name="查看完整号码").click()
    page.get_by_test_id("id-number").wait_for()
    assert page.get_by_test_id("id-number").inner_text() == applicant.id_number
    page.get_by_role("button", name="退出登录").click()

    sign_in(page, live_server.url, "auditor", DEMO_PASSWORD)
    page.get_by_test_id("audit-events-link").wait_for()
    page.get_by_role("link", name="个人信息查看记录").first.click()
    rows = page.get_by_test_id("audit-rows").inner_text()
    assert "核对职称申报材料中的身份信息" in rows and applicant.real_name in rows
    assert applicant.id_number not in page.content()
