"""The public results 公示 in a real browser: no sign-in, the list, the names, and filing an objection."""

import pytest
from playwright.sync_api import expect

from reviews.models import Objection
from tests.reviews.conftest import *  # noqa: F403 - the results fixtures (publication, declarations …)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_anyone_reads_the_results_publicity_and_files_an_objection(page, live_server, publication, declarations):
    applicant = declarations[0].applicant
    applicant.real_name, applicant.id_number = "陈建国", "11010519491231002X"
    applicant.save(update_fields=["real_name", "id_number"])
    page.goto(f"{live_server.url}/reviews/results/")
    page.get_by_role("link", name=publication.meeting.name).click()
    entries = page.get_by_test_id("entries")
    expect(entries).to_contain_text("陈建国")
    expect(entries).to_contain_text("甲单位")
    expect(page.get_by_test_id("period")).to_contain_text("5 个工作日")
    assert "11010519491231002X" not in page.content()

    page.select_option("#id_declaration", str(declarations[0].pk))
    page.fill("#id_text", "其代表作与他人已发表论文雷同")
    page.fill("#id_contact_name", "王某")
    page.get_by_role("button", name="提交异议").click()
    expect(page.get_by_text("须留下联系电话或电子邮箱")).to_be_visible()  # named beside the field, nothing saved
    assert not Objection.objects.exists()

    page.fill("#id_contact_phone", "13900001111")
    page.get_by_role("button", name="提交异议").click()
    expect(page.get_by_text("您的异议已提交")).to_be_visible()
    objection = Objection.objects.get()
    assert (objection.declaration_id, objection.contact_name, objection.stage) == (declarations[0].pk, "王某", "results")
