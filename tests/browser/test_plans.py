import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.browser.conftest import sign_in
from tests.factories import UserFactory, review_plan, user_with_role
from titles.models import ReviewPlan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bureau_reviewer_sees_the_broken_rule_then_publishes(page, live_server, org_tree):
    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    plan = review_plan(org_tree["bureau"], issued_on="2026-07-15")
    sign_in(page, live_server.url, reviewer.username, "test-password-1")
    page.get_by_role("link", name="年度评审工作方案").first.click()
    page.get_by_role("link", name="工程系列中级职称评审工作方案").click()
    expect(page.locator('[data-rule="NOTICE_PERIOD"]')).to_be_visible()
    page.get_by_role("button", name="发布方案").click()
    expect(page.locator(".messages")).to_contain_text("未发布")
    expect(page.get_by_test_id("plan-status")).to_have_text("草稿")
    ReviewPlan.objects.filter(pk=plan.pk).update(issued_on="2026-07-01")
    page.reload()
    page.get_by_role("button", name="发布方案").click()
    expect(page.locator(".messages")).to_contain_text("方案已发布")
    expect(page.get_by_test_id("plan-status")).to_have_text("已发布")
    expect(page.get_by_test_id("plan-document")).to_contain_text("PDF 生成中")


def test_someone_from_elsewhere_cannot_open_a_draft(page, live_server, org_tree):
    plan = review_plan(org_tree["bureau"])
    outsider = UserFactory()
    sign_in(page, live_server.url, outsider.username, "test-password-1")
    response = page.goto(f"{live_server.url}/titles/plans/{plan.pk}/")
    assert response.status == 403
    assert "您无权查看该评审方案" in page.content()
