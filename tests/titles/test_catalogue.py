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


# --- the drawn body kept in the shared cache (titles.catalogue): never stale after a change -------------------

@pytest.fixture
def kept(settings):
    settings.REQUEST_CACHE = True


def _page(client) -> str:
    """The page's body (the header around it carries a new CSRF token each time)."""
    response = client.get("/titles/catalogue/")
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<h1>职称目录</h1>"):html.index("</main>")]


def test_the_drawn_catalogue_is_read_without_a_query_once_warm(client, kept, django_assert_num_queries):
    first = _page(client)
    with django_assert_num_queries(0):
        assert _page(client) == first
    assert 'data-series="工程"' in first and 'data-testid="equivalences"' in first


@pytest.mark.parametrize("change", ["series", "specialty added", "title name", "specialty deleted"])
def test_a_catalogue_change_shows_on_the_next_request(client, kept, change):
    _page(client)
    engineering = Series.objects.get(name="工程")
    if change == "series":
        engineering.full_name = "工程技术人员（新）"
        engineering.save()
        shown = "工程技术人员（新）"
    elif change == "specialty added":
        Specialty.objects.create(series=engineering, name="低空经济", added_year=2026, source="新设")
        shown = "低空经济（2026 年增设，新设）"
    elif change == "title name":
        name = TitleName.objects.get(series=engineering, level="intermediate", specialty=None)
        name.name = "中级工程师（新）"
        name.save()
        shown = "中级工程师（新）"
    else:
        specialty = Specialty.objects.create(series=engineering, name="低空经济")
        assert "低空经济" in _page(client)
        specialty.delete()
        assert "低空经济" not in _page(client)
        return
    assert shown in _page(client)


def test_a_specialty_added_in_the_admin_console_shows_on_the_next_request(client, kept):
    from django.urls import reverse

    from accounts.demo import load_demo
    from accounts.models import User

    load_demo()
    client.force_login(User.objects.get(username="sysadmin"))
    assert "低空经济" not in _page(client)
    response = client.post(reverse("admin:titles_specialty_add"), {
        "series": Series.objects.get(name="工程").pk, "name": "低空经济", "added_year": 2026, "source": "新设",
        "is_active": "on"})
    assert response.status_code == 302
    assert "低空经济（2026 年增设，新设）" in _page(client)


def test_a_rulebook_activated_through_the_services_shows_its_equivalences_at_once(client, kept):
    from accounts.demo import load_demo
    from accounts.models import User
    from titles.models import RulebookVersion
    from titles.services import activate_rulebook, copy_rulebook

    load_demo()
    sysadmin = User.objects.get(username="sysadmin")
    assert "新职业资格" not in _page(client)
    national = RulebookVersion.objects.get(region_code="", year=None, status=RulebookVersion.Status.ACTIVE)
    draft = copy_rulebook(actor=sysadmin, rulebook_id=national.pk)
    draft.eligibility = {**draft.eligibility, "qualification_titles": {
        **draft.eligibility.get("qualification_titles", {}), "新职业资格": {"series": "工程", "level": "intermediate"}}}
    draft.save()
    assert "新职业资格" not in _page(client)  # a draft is not in force
    activate_rulebook(actor=sysadmin, rulebook_id=draft.pk)
    assert "新职业资格" in _page(client)


def test_a_migration_retires_the_drawn_catalogue(client, kept):
    """Data migrations write with update() (no signals): every migrate replaces the version."""
    from django.core.management import call_command

    _page(client)
    Series.objects.filter(name="工程").update(full_name="迁移改写")
    call_command("migrate", verbosity=0)
    assert "迁移改写" in _page(client)


def test_without_a_shared_cache_it_is_drawn_each_time(client, settings, django_assert_num_queries):
    settings.REQUEST_CACHE = False
    _page(client)
    Series.objects.filter(name="工程").update(full_name="直接改写")
    assert "直接改写" in _page(client)
