"""The results' pages: the public 公示 shows name, unit, series and level only; objections through the
public form (rate-limited per address); the bureau's management page publishes, resolves, approves,
files and downloads the yearly report."""

import pytest
from django.test import Client, override_settings

from accounts.models import Event
from declarations.models import Declaration
from reviews.models import Objection, ResultApproval, ResultFiling, ResultPublication
from tests.reviews.conftest import DAY_AFTER, move_to

pytestmark = pytest.mark.django_db


def _form(declaration, **fields):
    return {"declaration": str(declaration.pk), "text": "其代表作与他人论文雷同", "contact_name": "王某",
            "contact_phone": "13900001111", **fields}


def test_the_public_page_shows_nothing_more_personal_than_allowed(publication, declarations,
                                                                  django_assert_max_num_queries):
    applicant = declarations[0].applicant
    applicant.id_number, applicant.phone, applicant.real_name = "11010519491231002X", "13812345678", "陈建国"
    applicant.save()
    anonymous = Client()
    with django_assert_max_num_queries(6):
        listing = anonymous.get("/reviews/results/").content.decode()
    assert passed_meeting_name(publication) in listing
    with django_assert_max_num_queries(8):
        response = anonymous.get(f"/reviews/results/{publication.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "陈建国" in html and "甲单位" in html and "工程" in html and "中级" in html
    for private in ("11010519491231002X", "0519491231", "13812345678", "2345678", applicant.username,
                    applicant.email or "@@none"):
        assert private not in html
    assert "2026年11月16日至2026年11月20日" in html


def passed_meeting_name(publication):
    return publication.meeting.name


def test_the_public_page_is_gone_after_the_publicity(publication, settings):
    move_to(settings, DAY_AFTER)
    assert Client().get(f"/reviews/results/{publication.pk}/").status_code == 404
    assert "当前没有正在公示" in Client().get("/reviews/results/").content.decode()


def test_anyone_files_an_objection_and_bad_input_is_named(publication, declarations):
    anonymous = Client()
    bad = anonymous.post(f"/reviews/results/{publication.pk}/", _form(declarations[0], contact_phone=""))
    assert bad.status_code == 400 and "须留下联系电话或电子邮箱" in bad.content.decode()
    assert not Objection.objects.exists()
    done = anonymous.post(f"/reviews/results/{publication.pk}/", _form(declarations[0]), follow=True)
    assert "您的异议已提交" in done.content.decode()
    objection = Objection.objects.get()
    assert (objection.declaration_id, objection.contact_phone, objection.stage) == (declarations[0].pk,
                                                                                     "13900001111", "results")
    assert Event.objects.filter(action="file_result_objection").exists()


@override_settings(RESULT_OBJECTION_RATE="2/min")
def test_public_objections_are_rate_limited_per_address(publication, declarations):
    anonymous = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        assert anonymous.post(f"/reviews/results/{publication.pk}/", _form(declarations[0])).status_code == 302
    refused = anonymous.post(f"/reviews/results/{publication.pk}/", _form(declarations[0]))
    assert refused.status_code == 429 and "提交异议过于频繁" in refused.content.decode()
    assert Objection.objects.count() == 2
    other = Client(REMOTE_ADDR="203.0.113.8")
    assert other.post(f"/reviews/results/{publication.pk}/", _form(declarations[0])).status_code == 302


def test_the_bureau_publishes_resolves_approves_files_and_downloads(
        client, passed_meeting, declarations, bureau_user, settings, meeting_plan):
    client.force_login(bureau_user)
    page = client.get("/reviews/results/manage/").content.decode()
    assert passed_meeting.name in page
    client.post("/reviews/results/manage/", {"meeting": passed_meeting.pk})
    publication = ResultPublication.objects.get()
    Client().post(f"/reviews/results/{publication.pk}/", _form(declarations[1]))
    objection = Objection.objects.get()
    detail = client.get(f"/reviews/results/manage/{publication.pk}/").content.decode()
    assert "其代表作与他人论文雷同" in detail and "13900001111" in detail  # staff see the contact to investigate
    assert Event.objects.filter(action="view_objection_contacts", actor=bureau_user).exists()  # and it is recorded
    client.post(f"/reviews/results/manage/{publication.pk}/objections/{objection.pk}/",
                {"outcome": "upheld", "reason": "经核实，代表作系抄袭", "fraud": "on"})
    assert Declaration.objects.get(pk=declarations[1].pk).state == "not_passed"
    move_to(settings, DAY_AFTER)
    client.post(f"/reviews/results/manage/{publication.pk}/approve/", {"document_number": "长人社职〔2026〕9号"})
    assert Declaration.objects.get(pk=declarations[0].pk).state == "approved"
    approval = ResultApproval.objects.get()
    client.post(f"/reviews/results/manage/{publication.pk}/filing/",
                {"approval": approval.pk, "filed_with": "省人社厅", "filing_number": "备〔2026〕1号",
                 "filed_on": DAY_AFTER.isoformat()})
    assert ResultFiling.objects.get().filing_number == "备〔2026〕1号"
    csv_body = b"".join(client.get(f"/reviews/results/report/{meeting_plan.pk}.csv").streaming_content).decode()
    assert "备〔2026〕1号" in csv_body and "评审未通过" in csv_body
    xlsx = client.get(f"/reviews/results/report/{meeting_plan.pk}.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_others_do_not_manage_results(client, publication, secretary, declarations, meeting_plan):
    client.force_login(secretary)
    assert client.get(f"/reviews/results/manage/{publication.pk}/").status_code == 403
    assert client.get(f"/reviews/results/report/{meeting_plan.pk}.csv").status_code in (403, 404)
    client.force_login(declarations[0].applicant)
    assert client.get("/reviews/results/manage/").status_code == 403


def test_the_admin_console_exports_the_yearly_report(admin_client, publication, declarations):
    from django.urls import reverse

    from reviews.selectors import REPORT_COLUMNS

    url = reverse("admin:reviews_resultpublication_changelist")
    assert publication.meeting.name in admin_client.get(url).content.decode()
    response = admin_client.post(url, {"action": "report_csv", "_selected_action": [publication.pk]})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(REPORT_COLUMNS)
    assert len(text.splitlines()) == 1 + len(declarations)


def _more_listed(publication, employer, n):
    from accounts.models import Role, RoleMembership, User

    plan = publication.meeting.plan
    users = User.objects.bulk_create([User(username=f"listed{publication.pk}-{i}", real_name=f"申报人{i}")
                                      for i in range(n)])
    RoleMembership.objects.bulk_create([RoleMembership(user=u, organisation=employer, role=Role.APPLICANT)
                                        for u in users])
    rows = Declaration.objects.bulk_create([Declaration(applicant=u, employer=employer, plan=plan, year=plan.year,
                                                        series=plan.series, level="intermediate",
                                                        state="results_publicity") for u in users])
    publication.declarations.add(*rows)


def test_the_publicity_pages_keep_their_queries_at_two_sizes(client, publication, bureau_user, org_tree,
                                                             django_assert_max_num_queries):
    anonymous = Client()
    client.force_login(bureau_user)
    public_url, manage_url = f"/reviews/results/{publication.pk}/", f"/reviews/results/manage/{publication.pk}/"
    with django_assert_max_num_queries(10) as public_small:
        anonymous.get(public_url)
    with django_assert_max_num_queries(30) as manage_small:
        client.get(manage_url)
    _more_listed(publication, org_tree["employer_b"], 200)
    with django_assert_max_num_queries(len(public_small.captured_queries)):
        assert anonymous.get(public_url).content.decode().count("data-entry=") == 202
    with django_assert_max_num_queries(len(manage_small.captured_queries)):
        assert client.get(manage_url).content.decode().count('data-state="results_publicity"') == 202
