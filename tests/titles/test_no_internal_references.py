"""No page shows an internal reference: no seed file code ("001 三", "000 二"), no file name; rules cite
the documents of the rulebook in force, the demo city (长治) its own notice where that notice decides."""

import re
from datetime import date

import pytest

from accounts.demo import USERS, load_demo
from accounts.models import Role, User
from committees.models import Committee
from titles.models import PlanPhase, ReviewPlan, RulebookVersion
from titles.services import PlanError, publish_plan

from .test_eligibility_page import P01

pytestmark = pytest.mark.django_db

SEED_CODE = re.compile(r"(?<![\d〔*])00[0-4](?:\s?[一二三四五六七八九十]|\s+[(（\d])")  # "000 二", "003 2"
FILE_NAME = re.compile(r"ELIGIBILITY\.md|FLOW\.md|WORKING_DAYS\.md|\.txt\b|seeds/")
CHANGZHI = "长人社函〔2024〕188号"


@pytest.fixture
def demo():
    load_demo()
    committee = Committee.objects.get(name="长治市工程系列中级职称评审委员会")
    published = ReviewPlan.objects.get(committee=committee, year=2026)
    draft = ReviewPlan.objects.create(year=2027, name="2027 年工程系列方案（草稿）", organisation=published.organisation,
                                      committee=committee, series=published.series, levels=["intermediate"],
                                      issued_on=date(2027, 7, 20))
    for kind, start, end in (("declaration", "2027-08-01", "2027-09-30"), ("review_meetings", "2027-11-10",
                                                                           "2027-12-03"),
                             ("results_publicity", "2027-12-06", "2027-12-10")):
        PlanPhase.objects.create(plan=draft, kind=kind, start=start, end=end)
    return published, draft


def pages(client, published, draft, user=None):
    urls = ["/titles/catalogue/", "/titles/plans/", f"/titles/plans/{published.pk}/", "/committees/",
            "/titles/eligibility/", f"/titles/plans/{draft.pk}/"]
    if user is not None:
        from declarations.models import Declaration

        urls += ["/"] + [f"/workspace/{role}/" for role in user.roles()]
        urls += [f"/organisations/{m.organisation_id}/" for m in user.memberships()]
        urls += ["/declarations/", "/reviews/"]
        for pk in Declaration.objects.values_list("pk", flat=True):  # the ones this user may not see: 403/404
            urls += [f"/declarations/{pk}/", f"/declarations/{pk}/edit/"]
    for url in urls:
        response = client.get(url, follow=True)
        if response.status_code == 200:
            yield url, response.content.decode()
    for data in (P01, {**P01, "ce_y1_total": "10", "career_start": "2024-07-01", "degree": "college"}):
        response = client.post("/titles/eligibility/", data)
        assert response.status_code == 200
        yield "POST /titles/eligibility/", response.content.decode()


def assert_clean(url, html):
    assert not SEED_CODE.search(html), (url, SEED_CODE.search(html).group(0),
                                        html[max(0, SEED_CODE.search(html).start() - 80):][:160])
    assert not FILE_NAME.search(html), (url, FILE_NAME.search(html).group(0))


def test_signed_out_pages_show_no_internal_reference(client, demo):
    seen = 0
    for url, html in pages(client, *demo):
        assert_clean(url, html)
        seen += 1
    assert seen >= 7


@pytest.mark.parametrize("username", [spec.username for spec in USERS])
def test_every_demo_role_sees_no_internal_reference(client, demo, username):
    from declarations.models import Declaration

    assert Declaration.objects.exists()  # the demo's declarations are among the pages read
    user = User.objects.get(username=username)
    client.force_login(user)
    for url, html in pages(client, *demo, user=user):
        assert_clean(url, html)


def test_the_demo_city_cites_its_own_notice_where_it_decides(client, demo):
    published, draft = demo
    layer = RulebookVersion.objects.get(region_code="140400", status="active")
    assert CHANGZHI in layer.citations["MEETINGS_END"]
    client.force_login(User.objects.get(username="bureau"))
    html = client.get(f"/titles/plans/{draft.pk}/").content.decode()
    for rule in ("NOTICE_PERIOD", "MEETINGS_END"):
        row = re.search(rf'<tr data-rule="{rule}">.*?</tr>', html, re.S).group(0)
        assert CHANGZHI in row, rule
    with pytest.raises(PlanError) as info:
        publish_plan(actor=User.objects.get(username="bureau"), plan_id=draft.pk)
    assert f"依据：长治市人力资源和社会保障局《关于做好2024年度全市职称评审工作的通知》（{CHANGZHI}）" in str(info.value)
    assert not SEED_CODE.search(str(info.value))


def test_the_national_layer_cites_national_documents(client, demo):
    """A bureau of another city (no layer of its own) sees the national documents, never 长治's notice."""
    from tests.factories import OrganisationFactory, user_with_role

    other = OrganisationFactory(name="外市人社局", kind="hr_bureau", region_code="140800")
    client.force_login(user_with_role(Role.APPLICANT, other))
    html = client.post("/titles/eligibility/", P01).content.decode()
    assert "人力资源社会保障部令第40号" in html
    assert CHANGZHI not in html and "运人社" not in html and "凯里" not in html


def test_the_api_keeps_the_contract_codes_and_adds_the_document(client, demo):
    _, draft = demo
    client.force_login(User.objects.get(username="bureau"))
    problems = client.get(f"/api/v1/plans/{draft.pk}/problems/").json()["problems"]
    meetings = next(p for p in problems if p["rule"] == "MEETINGS_END")
    assert meetings["source"] == "000 三1" and CHANGZHI in meetings["document"]


def test_a_layer_with_a_bad_citation_is_refused_with_a_chinese_message():
    from django.core.exceptions import ValidationError

    layer = RulebookVersion(name="某市", region_code="140800", version=1, citations={"MEETING_END": "某市通知"})
    with pytest.raises(ValidationError) as info:
        layer.full_clean()
    assert "未知的规则代码：MEETING_END" in str(info.value.message_dict["citations"])
