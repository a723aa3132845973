"""The eligibility self-check page (/titles/eligibility/): form in, verdict rule by rule out."""

import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from titles.documents import FALLBACK, citation, describe_source, validate_citations
from titles.eligibility import parse_case
from titles.forms import EligibilityForm
from titles.models import Series, Specialty

pytestmark = pytest.mark.django_db

URL = "/titles/eligibility/"
CASES_DIR = Path(__file__).resolve().parents[3] / "shared" / "cases" / "eligibility"

# The form filled in as /work/shared/cases/eligibility/p01_regular_ok.json says.
P01 = {
    "declaration_year": "2026", "material_deadline": "2026-11-15", "as_of": "2026-11-24",
    "series": "工程", "specialty": "土木工程", "level": "intermediate", "route": "regular",
    "sector": "public", "in_service": "on", "career_start": "2015-07-01", "grassroots_since": "",
    "township_service_years": "0", "post_series": "工程", "post_since": "2015-07-01",
    "degree": "bachelor", "degree_obtained": "2015-06-30", "degree_full_time": "on", "degree_related": "on",
    "title1_series": "工程", "title1_level": "assistant", "title1_obtained": "2018-12-20",
    "title2_series": "", "title2_level": "", "title2_obtained": "",
    "qual1_name": "", "qual1_obtained": "",
    "rating_y3": "qualified", "rating_y2": "excellent", "rating_y1": "qualified", "rating_y0": "",
    "ce_y3_total": "96", "ce_y3_professional": "70", "ce_y2_total": "90", "ce_y2_professional": "60",
    "ce_y1_total": "92", "ce_y1_professional": "64",
    "sanction_kind": "", "sanction_date": "", "other_series": "", "other_level": "", "senior_recommenders": "",
}
P01_RULES = ["EXAM_ONLY", "IN_SERVICE", "ONE_PER_YEAR", "BAN", "ASSESSMENT_RECENT", "EDUCATION", "TRANSFER_FIRST", "TENURE",
             "CONTINUING_EDUCATION"]


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory())
    return client


def rule_row(html: str, code: str) -> str:
    match = re.search(rf'<tr data-rule="{code}".*?</tr>', html, re.S)
    assert match, f"no row for {code}"
    return match.group(0)


def field_error(html: str, name: str) -> str:
    match = re.search(rf'<div class="error" id="err-{name}"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error slot for {name}"
    return match.group(1)


def test_the_page_is_public(client):
    response = client.get(URL)
    assert response.status_code == 200 and "申报条件自测" in response.content.decode()
    response = client.post(URL, P01)
    assert response.status_code == 200 and "符合申报条件" in response.content.decode()


def test_get_shows_the_empty_form_in_groups(signed_in):
    response = signed_in.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    for legend in ("申报目标", "基本情况", "学历", "现有职称与资格", "年度考核", "继续教育", "其他"):
        assert f"<legend>{legend}</legend>" in html
    assert 'hx-post="/titles/eligibility/"' in html and 'hx-trigger="change delay:300ms, submit"' in html
    assert 'data-testid="verdict"' in html and "/static/vendor/htmx.min.js" in html
    assert '<option value="工程">工程</option>' in html  # the series come from the catalogue
    form = response.context["form"]
    assert not form.is_bound and "符合申报条件" not in html


def test_the_form_builds_the_contract_case():
    form = EligibilityForm(P01)
    assert form.is_valid(), form.errors
    expected = json.loads((CASES_DIR / "p01_regular_ok.json").read_text(encoding="utf-8"))
    assert form.case == parse_case(expected)


def test_a_passing_case_shows_every_rule_with_its_source(signed_in):
    response = signed_in.post(URL, P01)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "符合申报条件" in html and "暂不符合申报条件" not in html
    assert re.findall(r'<tr data-rule="([A-Z_]+)"', html) == P01_RULES
    for code in P01_RULES:
        row = rule_row(html, code)
        assert "通过 ✓" in row and 'class="result passed"' in row
    # the national rulebook cites national documents, never another city's notice
    assert "《职称评审管理暂行规定》（人力资源社会保障部令第40号） 第三章 申报审核" in rule_row(html, "IN_SERVICE")
    assert "《专业技术人员继续教育规定》（人力资源社会保障部令第25号） 第八条" in rule_row(html, "CONTINUING_EDUCATION")
    assert "国家各系列（专业）职称评价基本标准条件" in rule_row(html, "TENURE")
    assert "运人社" not in html and "凯里" not in html
    assert "任职年限" in rule_row(html, "TENURE") and "在职在岗" in rule_row(html, "IN_SERVICE")
    assert not re.search(r"<td class=\"source\">[^<]*\b00[0-4] ", html)


def test_a_short_tenure_fails_the_tenure_row(signed_in):
    response = signed_in.post(URL, {**P01, "title1_obtained": "2023-03-01"})
    html = response.content.decode()
    assert "暂不符合申报条件" in html
    row = rule_row(html, "TENURE")
    assert "未通过 ✗" in row and 'class="result failed"' in row and "尚差" in row
    assert 'class="result passed"' in rule_row(html, "BAN")


def test_htmx_gets_only_the_verdict_and_the_field_messages(signed_in):
    response = signed_in.post(URL, P01, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html
    assert html.lstrip().startswith('<section class="card verdict-box" data-testid="verdict">')
    assert "符合申报条件" in html and 'data-rule="TENURE"' in html
    # the labels of the year fields follow the declaration year; empty error slots clear old messages
    assert '<label for="id_rating_y3" id="label-rating_y3" hx-swap-oob="true">2023 年度考核</label>' in html
    assert field_error(html, "career_start") == ""


def test_htmx_with_bad_input_sends_the_messages_beside_the_fields(signed_in):
    response = signed_in.post(URL, {**P01, "career_start": "2015-02-30"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "符合申报条件" not in html
    assert "日期不存在：2015-02-30" in field_error(html, "career_start")
    assert "参加工作时间" in html  # the verdict area lists the message with the field's name


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"career_start": "2015-13-01"}, "career_start", "日期不存在：2015-13-01"),
    ({"degree_obtained": "2015/06/30"}, "degree_obtained", "日期格式应为 YYYY-MM-DD"),
    ({"level": "middle"}, "level", "取值无效：middle；可选值：员级、助理级、中级、副高级、正高级"),
    ({"route": "shortcut"}, "route", "取值无效：shortcut"),
    ({"series": ""}, "series", "缺少必填字段"),
    ({"declaration_year": "二〇二六"}, "declaration_year", "应为整数年份"),
    ({"declaration_year": "3000"}, "declaration_year", "年份应在 1950 至 2100 之间"),
    ({"ce_y2_total": "很多"}, "ce_y2_total", "应为数字"),
    ({"ce_y2_professional": "-5"}, "ce_y2_professional", "不能为负数"),
    ({"ce_y1_professional": ""}, "ce_y1_professional", "缺少必填字段"),
    ({"title2_level": "senior"}, "title2_series", "缺少必填字段"),
    ({"title2_level": "senior"}, "title2_obtained", "缺少必填字段"),
    ({"sanction_kind": "fraud"}, "sanction_date", "缺少必填字段"),
    ({"route": "transfer", "post_since": ""}, "post_since", "转评"),
    ({"senior_recommenders": "-1"}, "senior_recommenders", "应为 0 至 50 之间的整数"),
])
def test_invalid_input_shows_the_message_beside_the_field(signed_in, changes, field, message):
    response = signed_in.post(URL, {**P01, **changes})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in field_error(html, field)
    assert "符合申报条件" not in html and "Traceback" not in html


def test_an_empty_form_names_every_required_field(signed_in):
    response = signed_in.post(URL, {})
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("declaration_year", "material_deadline", "as_of", "series", "level", "route", "sector",
                 "career_start"):
        assert field_error(html, name) == "缺少必填字段", name
    assert field_error(html, "specialty") == "" and field_error(html, "title1_series") == ""


@pytest.mark.parametrize("changes", [
    {"declaration_year": "99999999999999999999"},
    {"declaration_year": "-2026"},
    {"ce_y3_total": "nan", "ce_y3_professional": "1e999"},
    {"township_service_years": "inf", "county_health_edu_agri": "on"},
    {"series": "工程\x00"},
    {"specialty": "土" * 5000},
    {"as_of": "0000-01-01", "material_deadline": "9999-12-31"},
    {"sanction_kind": "gov_expulsion", "sanction_date": "2100-12-31"},
    {"sanction_kind": "gov_expulsion", "sanction_date": "9999-12-01"},
    {"title1_obtained": "9999-12-31", "material_deadline": "9999-12-31", "career_start": "0001-01-01"},
    {"route": "transfer", "post_since": "9999-02-28", "grassroots_since": "9999-12-31"},
    {"other_level": "intermediate"},
    {"route": "initial", "level": "senior"},
    {"route": "exceptional", "senior_recommenders": "3"},
    {"qual1_name": "一级注册建造师", "qual1_obtained": "2020-01-10", "title1_level": ""},
])
def test_odd_input_gets_either_a_verdict_or_the_fields_to_correct(signed_in, changes):
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = signed_in.post(URL, {**P01, **changes}, **headers)
        html = response.content.decode()
        assert response.status_code == 200 and 'data-testid="verdict"' in html
        verdict = 'data-testid="verdict-headline"' in html
        to_correct = "请先补全或更正以下内容" in html or bool(re.search(r'id="err-\w+"[^>]*>[^<]+</div>', html))
        assert verdict != to_correct, (changes, headers)  # one clear answer, never both, never neither


def test_a_date_the_engine_cannot_count_with_is_explained(signed_in):
    response = signed_in.post(URL, {**P01, "sanction_kind": "fraud", "sanction_date": "9999-12-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "日期超出可受理的范围" in html and "符合申报条件" not in html


def test_queries_do_not_grow_with_the_catalogue(signed_in, django_assert_max_num_queries):
    def count(data):
        with CaptureQueriesContext(connection) as queries:
            signed_in.post(URL, data)
        return len(queries)

    signed_in.post(URL, P01)  # the user's roles into the shared cache (accounts/request_cache.py)
    small = count(P01), count({**P01, "title1_obtained": "2023-03-01"}), count({})
    for n in range(5):
        series = Series.objects.create(name=f"测试系列{n}")
        Specialty.objects.bulk_create(Specialty(series=series, name=f"专业{n}-{k}") for k in range(5))
    large = count(P01), count({**P01, "title1_obtained": "2023-03-01"}), count({})
    assert small == large
    with django_assert_max_num_queries(8):
        signed_in.get(URL)
    with django_assert_max_num_queries(8):
        signed_in.post(URL, P01, HTTP_HX_REQUEST="true")


def test_an_empty_catalogue_lets_the_series_be_typed(signed_in):
    form = EligibilityForm(P01, series=[])
    assert form.is_valid(), form.errors
    assert form.case.target.series == "工程"
    assert 'type="text" name="series"' in str(form["series"])


def test_citations_are_checked_and_fall_back_to_a_general_reference():
    assert citation({"TENURE": "某市通知 三"}, "TENURE") == "某市通知 三"
    assert citation({}, "TENURE") == FALLBACK
    assert validate_citations({"TENURE": " 某市通知 三 "}) == {"TENURE": "某市通知 三"}
    with pytest.raises(ValueError, match="未知的规则代码：TENUR"):
        validate_citations({"TENUR": "某市通知"})
    with pytest.raises(ValueError, match="非空文字"):
        validate_citations({"TENURE": ""})
    with pytest.raises(ValueError, match="键值对象"):
        validate_citations(["TENURE"])


def test_describe_source_names_the_documents_of_the_flow_steps():
    assert describe_source("001 三(二)") == "运人社职字〔2024〕12号 三(二)"
    assert describe_source("001 三(五), 002 五(三)") == (
        "运人社职字〔2024〕12号 三(五), 凯里市人社局 2023 年职称评审工作有关问题通知 五(三)")
    assert describe_source("规则库；004 六(三)1") == "规则库；新疆某自治州 2022 年“双定向”通知 六(三)1"
    assert describe_source("000") == "长人社函〔2024〕188号"
    assert describe_source("003 5") == "河北省《关于进一步做好职称评审工作的实施意见》 5"
    assert describe_source("国家默认规则库（2024 年版）") == "国家默认规则库（2024 年版）"
    assert describe_source("999 一") == "999 一"
