"""The review chain in a real browser, each actor in their own browser context: submit, a return of
one item, the correction, verification, 民主评议 and recommendation, the unit 公示 over, forward,
department and bureau pass; the applicant follows every step in the timeline."""

from datetime import date

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from declarations.services import start_declaration
from reviews.services import set_quota
from tests.browser.conftest import sign_in
from tests.declarations.conftest import attach_required_materials, fill_profile
from tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "test-password-1"


def test_draft_to_committee_review(browser, live_server, settings, in_window, plan, org_tree, applicant):
    people = {
        "handler": user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"], real_name="李经办"),
        "admin": user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_a"]),
        "dept": user_with_role(Role.DEPT_REVIEWER, org_tree["dept"]),
        "bureau": user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"]),
    }
    fill_profile(applicant, series=plan.series)
    declaration = start_declaration(actor=applicant, plan_id=plan.pk, level="intermediate")
    attach_required_materials(declaration, applicant)
    set_quota(actor=people["dept"], plan_id=plan.pk, employer_id=org_tree["employer_a"].pk, level="intermediate",
              places=2)
    detail = f"{live_server.url}/declarations/{declaration.pk}/"
    pages = {}
    for name, user in [("applicant", applicant), *people.items()]:
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        pages[name] = context.new_page()
        sign_in(pages[name], live_server.url, user.username, PASSWORD)

    me = pages["applicant"]
    me.goto(f"{live_server.url}/declarations/{declaration.pk}/edit/?step=submit")
    me.get_by_label("我已阅读并作出以上承诺").check()
    me.get_by_test_id("submit").click()
    expect(me.get_by_test_id("state")).to_have_text("单位审核")

    handler = pages["handler"]
    handler.goto(detail)
    handler.get_by_label("补正事项").fill("material:id_card：身份证复印件不清晰")
    handler.get_by_role("button", name="退回", exact=True).click()
    expect(handler.get_by_test_id("state")).to_have_text("退回补正")

    me.goto(detail)
    expect(me.get_by_test_id("correction")).to_contain_text("身份证复印件不清晰")
    me.goto(f"{live_server.url}/declarations/{declaration.pk}/edit/")
    me.get_by_label("现任岗位").fill("结构工程师")
    expect(me.locator("#save-status")).to_contain_text("已保存")
    me.goto(detail)
    me.get_by_role("button", name="补正完毕，重新提交").click()
    expect(me.get_by_test_id("state")).to_have_text("单位审核")
    expect(me.get_by_test_id("version")).to_have_text("第 2 版")

    handler.goto(detail)
    expect(handler.get_by_test_id("diff")).to_contain_text("结构工程师")
    for index in range(handler.get_by_role("button", name="签署").count()):
        handler.get_by_role("button", name="签署").nth(index).click()
        expect(handler.locator(".messages")).to_contain_text("属实")
    expect(handler.get_by_test_id("materials")).not_to_contain_text("未审查")

    admin = pages["admin"]
    admin.goto(detail)
    admin.get_by_label("评议人数").fill("9")
    admin.get_by_label("赞成").fill("8")
    admin.get_by_label("反对").fill("1")
    admin.get_by_label("弃权").fill("0")
    admin.get_by_role("button", name="推荐（占用推荐名额，开始单位公示）").click()
    expect(admin.get_by_test_id("state")).to_have_text("单位推荐公示")
    admin.get_by_role("button", name="公示期满，推送上报").click()
    expect(admin.locator(".messages")).to_contain_text("公示期满后才能推送")

    settings.ZC_TODAY = date(2026, 9, 21)  # the 公示 (to 09-20, a make-up working day) is over
    admin.reload()
    admin.get_by_role("button", name="公示期满，推送上报").click()
    expect(admin.get_by_test_id("state")).to_have_text("主管部门审核")

    for name, next_state in (("dept", "人社部门政策性审查"), ("bureau", "评委会评审")):
        reviewer = pages[name]
        reviewer.goto(detail)
        reviewer.get_by_role("button", name="审核通过").click()
        expect(reviewer.get_by_test_id("state")).to_have_text(next_state)

    me.goto(detail)
    timeline = me.get_by_test_id("timeline")
    for step in ("提交申报", "退回补正", "补正后重新提交", "推荐", "推送上报", "审核通过"):  # the actions in Chinese
        expect(timeline).to_contain_text(step)
    expect(timeline).not_to_contain_text("submit")
    expect(timeline).to_contain_text("市人社局")
