"""The national catalogue the migration loads: 27 series, their official names, title names per level
and, where a specialty names its titles differently, per specialty."""

import re

import pytest

from titles.models import Series, Specialty, TitleName

pytestmark = pytest.mark.django_db

NATIONAL_SERIES = ("高校教师", "哲学社会科学研究", "自然科学研究", "卫生", "工程", "农业", "新闻", "出版", "图书资料",
                   "文物博物", "档案", "工艺美术", "技工院校教师", "体育", "翻译", "播音主持", "艺术", "公证员", "律师",
                   "船舶", "飞行", "经济", "会计", "统计", "审计", "中小学教师", "实验技术")


def title(series, level, specialty=None):
    return TitleName.objects.get(series__name=series, level=level, specialty__name=specialty).name


def test_the_27_national_series_keep_their_short_names_beside_the_official_ones():
    assert set(Series.objects.values_list("name", flat=True)) >= set(NATIONAL_SERIES)
    assert len(NATIONAL_SERIES) == 27
    full = dict(Series.objects.values_list("name", "full_name"))
    assert full["工程"] == "工程技术人员" and full["卫生"] == "卫生技术人员" and full["会计"] == "会计人员"


@pytest.mark.parametrize("series, specialty, level, name", [
    ("卫生", None, "intermediate", "主治医师"),
    ("卫生", "护理", "intermediate", "主管护师"),
    ("卫生", "药学", "intermediate", "主管药师"),
    ("卫生", "医学技术", "intermediate", "主管技师"),
    ("农业", "畜牧", "intermediate", "畜牧师"),
    ("农业", "兽医", "associate_senior", "高级兽医师"),
    ("农业", None, "intermediate", "农艺师"),
    ("新闻", "编辑", "associate_senior", "主任编辑"),
    ("新闻", None, "associate_senior", "主任记者"),
    ("统计", None, "intermediate", "统计师"),
    ("技工院校教师", "生产实习指导", "senior", "正高级实习指导教师"),
])
def test_title_names_per_specialty_where_they_differ(series, specialty, level, name):
    assert title(series, level, specialty) == name


def test_arts_and_crafts_is_a_series_not_an_engineering_specialty():
    assert title("工艺美术", "intermediate") == "工艺美术师"
    assert not Specialty.objects.filter(series__name="工程", name="工艺美术", is_active=True).exists()
    assert Specialty.objects.filter(series__name="工程", name="快递", is_active=True).exists()


def test_the_catalogue_page_shows_each_series_and_the_specialty_lines(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        html = client.get("/titles/catalogue/").content.decode()
    for name in NATIONAL_SERIES:
        assert f'<tr data-series="{name}">' in html, name
    assert "工程技术人员" in html and "全国 27 个职称系列" in html
    nursing = re.search(r'<tr data-series="卫生" data-specialty="护理".*?</tr>', html, re.S).group(0)
    assert "主管护师" in nursing and "主治医师" not in nursing
    editing = re.search(r'<tr data-series="新闻" data-specialty="编辑".*?</tr>', html, re.S).group(0)
    assert "主任编辑" in editing and "记者" not in editing
