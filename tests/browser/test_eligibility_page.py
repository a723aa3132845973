"""The eligibility self-check in a real browser: the verdict follows the form live (htmx)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import UserFactory
from titles.models import Series

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_passing_case(page):
    """The facts of /work/shared/cases/eligibility/p01_regular_ok.json, typed as a person would."""
    page.fill("#id_declaration_year", "2026")
    page.fill("#id_material_deadline", "2026-11-15")
    page.fill("#id_as_of", "2026-11-24")
    page.select_option("#id_series", "工程")
    page.fill("#id_specialty", "土木工程")
    page.select_option("#id_level", "intermediate")
    page.select_option("#id_route", "regular")
    page.select_option("#id_sector", "public")
    page.fill("#id_career_start", "2015-07-01")
    page.check("#id_in_service")
    page.select_option("#id_post_series", "工程")
    page.fill("#id_post_since", "2015-07-01")
    page.select_option("#id_degree", "bachelor")
    page.fill("#id_degree_obtained", "2015-06-30")
    page.check("#id_degree_full_time")
    page.check("#id_degree_related")
    page.select_option("#id_title1_series", "工程")
    page.select_option("#id_title1_level", "assistant")
    page.fill("#id_title1_obtained", "2018-12-20")
    for field, rating in (("rating_y3", "qualified"), ("rating_y2", "excellent"), ("rating_y1", "qualified")):
        page.select_option(f"#id_{field}", rating)
    for years_back, total, professional in ((3, "96", "70"), (2, "90", "60"), (1, "92", "64")):
        page.fill(f"#id_ce_y{years_back}_total", total)
        page.fill(f"#id_ce_y{years_back}_professional", professional)


def test_the_verdict_follows_the_form_without_reloading(page, live_server):
    Series.objects.get_or_create(name="工程")  # the transactional test flushed the catalogue's data migration
    user = UserFactory()
    sign_in(page, live_server.url, user.username, "test-password-1")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/titles/eligibility/")
    expect(page.get_by_role("heading", name="申报条件自测")).to_be_visible()
    page.evaluate("window.stillThisPage = true")  # gone if the page reloads

    fill_passing_case(page)
    verdict = page.get_by_test_id("verdict")
    expect(verdict.get_by_test_id("verdict-headline")).to_have_text("✓ 符合申报条件")
    expect(verdict.locator("[data-rule=TENURE] td.result")).to_have_text("通过 ✓")
    # the document from the rulebook's citations (the fallback when a flush emptied the rulebook table)
    expect(verdict.locator("[data-rule=IN_SERVICE] td.source")).to_have_text(
        re.compile(r"人力资源社会保障部令第40号|以本地年度职称评审通知为准"))
    expect(page.locator("#label-rating_y3")).to_have_text("2023 年度考核")
    assert page.evaluate("window.stillThisPage") is True

    page.fill("#id_title1_obtained", "2023-03-01")
    expect(verdict.get_by_test_id("verdict-headline")).to_have_text("✗ 暂不符合申报条件")
    tenure = verdict.locator("[data-rule=TENURE] td.result")
    expect(tenure).to_have_text("未通过 ✗")
    expect(tenure).to_have_class(re.compile(r"\bfailed\b"))
    assert page.evaluate("window.stillThisPage") is True

    page.fill("#id_career_start", "")  # a message appears beside the field, still without a reload
    expect(page.locator("#err-career_start")).to_have_text("缺少必填字段")
    page.fill("#id_career_start", "2015-07-01")
    expect(page.locator("#err-career_start")).to_have_text("")
    expect(verdict.get_by_test_id("verdict-headline")).to_have_text("✗ 暂不符合申报条件")
    assert page.evaluate("window.stillThisPage") is True
    page.set_viewport_size({"width": 1280, "height": 1800})  # the sticky verdict shows whole
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path="/tmp/eligibility.png", full_page=True)


def test_signed_out_the_self_check_works_and_says_when_it_is_rate_limited(page, live_server, settings):
    settings.ELIGIBILITY_ANON_RATE = "3/min"
    Series.objects.get_or_create(name="工程")
    page.goto(f"{live_server.url}/titles/eligibility/")
    expect(page.get_by_role("heading", name="申报条件自测")).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.fill("#id_as_of", "2026-11-24")
    page.press("#id_as_of", "Tab")
    expect(page.locator("#err-career_start")).to_have_text("缺少必填字段")  # the first checks are answered
    for day in ("2026-11-15", "2026-11-16", "2026-11-17", "2026-11-18"):
        page.fill("#id_material_deadline", day)
        page.press("#id_material_deadline", "Tab")
        page.wait_for_timeout(500)
    expect(page.get_by_test_id("verdict")).to_contain_text("过于频繁")
