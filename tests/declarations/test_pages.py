"""The applicant's pages: list, wizard steps, autosave, rows, submission; others see nothing."""

import re

import pytest

from accounts.models import Role
from declarations.models import Declaration, Education, Profile
from declarations.services import start_declaration
from tests.declarations.conftest import attach_required_materials, fill_profile
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(in_window, plan, applicant):
    return start_declaration(actor=applicant, plan_id=plan.pk, level="intermediate")


@pytest.fixture
def page(client, applicant):
    client.force_login(applicant)
    return client


def test_the_list_shows_state_and_next_step_and_starts_a_draft(page, in_window, plan):
    html = page.get("/declarations/").content.decode()
    assert "新建申报" in html and plan.name in html
    response = page.post("/declarations/", {"plan": plan.pk, "level": "intermediate", "route": "regular"})
    declaration = Declaration.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/declarations/{declaration.pk}/edit/"
    html = page.get("/declarations/").content.decode()
    assert "草稿" in html and "签署诚信承诺后提交" in html


def test_a_bad_new_declaration_says_which_field(page, in_window, plan):
    response = page.post("/declarations/", {"plan": plan.pk, "level": "senior", "route": "regular"})
    assert response.status_code == 400
    assert "该方案不评审正高级职称" in response.content.decode()
    assert not Declaration.objects.exists()


@pytest.mark.parametrize("step", ["basic", "education", "titles", "assessments", "achievements", "submit"])
def test_every_step_renders_with_the_live_verdict(page, draft, step):
    response = page.get(f"/declarations/{draft.pk}/edit/?step={step}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="verdict"' in html and "提交前检查" in html
    assert page.get(f"/declarations/{draft.pk}/edit/?step=nope").status_code == 404


def test_a_field_is_saved_as_it_is_typed_and_the_verdict_follows(page, draft, applicant):
    fill_profile(applicant, series=draft.series)
    Profile.objects.filter(user=applicant).update(career_start=None)
    before = page.get(f"/declarations/{draft.pk}/edit/").content.decode()
    assert "请先补全档案" in before
    response = page.post(f"/declarations/{draft.pk}/profile/", {"career_start": "2015-07-01"},
                         HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "已保存" in html
    assert "符合申报条件" in html and 'hx-swap-oob="true"' in html
    assert str(Profile.objects.get(user=applicant).career_start) == "2015-07-01"


def test_a_future_or_malformed_date_is_not_saved_and_named(page, draft, applicant):
    response = page.post(f"/declarations/{draft.pk}/profile/",
                         {"career_start": "2031-07-01", "post_name": "设计师\x00"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "部分内容未保存" in html and "晚于今天" in html
    assert re.search(r'id="err-post_name"[^>]*>[^<]+<', html)  # the NUL byte is refused beside the field
    profile = Profile.objects.get(user=applicant)
    assert profile.career_start is None and profile.post_name == ""


def test_rows_are_created_only_when_complete(page, draft, applicant):
    url = f"/declarations/{draft.pk}/rows/education/new/"
    half = page.post(url, {"education-new-degree": "bachelor", "education-new-school": "太原理工大学"},
                     HTTP_HX_REQUEST="true")
    assert "未保存" in half.content.decode() and not Education.objects.exists()
    assert 'value="太原理工大学"' in half.content.decode()  # what was typed stays in the row
    done = page.post(url, {"education-new-degree": "bachelor", "education-new-obtained": "2015-06-30",
                           "education-new-full_time": "on"}, HTTP_HX_REQUEST="true")
    row = Education.objects.get()
    html = done.content.decode()
    assert f'id="row-education-{row.pk}"' in html and 'id="row-education-new"' in html
    changed = page.post(f"/declarations/{draft.pk}/rows/education/{row.pk}/",
                        {f"education-{row.pk}-degree": "master", f"education-{row.pk}-obtained": "2018-06-30"},
                        HTTP_HX_REQUEST="true")
    assert "已保存" in changed.content.decode()
    row.refresh_from_db()
    assert row.degree == "master"
    page.post(f"/declarations/{draft.pk}/rows/education/{row.pk}/delete/", HTTP_HX_REQUEST="true")
    assert not Education.objects.exists()


def test_someone_elses_rows_are_not_reachable(page, draft, org_tree):
    other = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    theirs = Education.objects.create(profile=Profile.objects.create(user=other), degree="bachelor",
                                      obtained="2015-06-30")
    response = page.post(f"/declarations/{draft.pk}/rows/education/{theirs.pk}/",
                         {f"education-{theirs.pk}-degree": "doctor", f"education-{theirs.pk}-obtained": "2015-06-30"})
    assert response.status_code == 404
    assert page.post(f"/declarations/{draft.pk}/rows/education/{theirs.pk}/delete/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.degree == "bachelor"


def test_submit_is_disabled_with_reasons_then_submits(page, draft, applicant):
    html = page.get(f"/declarations/{draft.pk}/edit/?step=submit").content.decode()
    assert re.search(r'data-testid="submit"[^>]*disabled', html) and "缺少必需的申报材料" in html
    fill_profile(applicant, series=draft.series)
    attach_required_materials(draft, applicant)
    html = page.get(f"/declarations/{draft.pk}/edit/?step=submit").content.decode()
    assert not re.search(r'data-testid="submit"[^>]*disabled', html)
    no_pledge = page.post(f"/declarations/{draft.pk}/actions/submit/", {})
    assert no_pledge.status_code == 302 and Declaration.objects.get().state == "draft"
    response = page.post(f"/declarations/{draft.pk}/actions/submit/", {"pledge": "on"})
    assert response.status_code == 302 and Declaration.objects.get().state == "employer_review"
    detail = page.get(f"/declarations/{draft.pk}/").content.decode()
    assert "单位审核" in detail and "第 1 版" in detail and "submit" in detail


def test_other_people_get_no_page(client, draft, org_tree):
    urls = [f"/declarations/{draft.pk}/", f"/declarations/{draft.pk}/edit/",
            f"/declarations/{draft.pk}/edit/?step=submit"]
    for user in (user_with_role(Role.APPLICANT, org_tree["employer_a"]),
                 user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_b"]),
                 user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code in (403, 404), (user, url)
        assert client.post(f"/declarations/{draft.pk}/profile/", {"career_start": "2015-07-01"}
                           ).status_code in (403, 404)
        assert client.post(f"/declarations/{draft.pk}/actions/withdraw/", {}).status_code in (403, 404, 302)
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302  # to the sign-in page
    assert Declaration.objects.get().state == "draft"


def test_the_list_and_the_wizard_cost_the_same_queries_for_1_or_50_materials(page, draft, applicant,
                                                                            django_assert_max_num_queries):
    from django.core.files.base import ContentFile

    from declarations.models import Material

    fill_profile(applicant, series=draft.series)

    def add(n):
        for i in range(n):
            material = Material(declaration=draft, kind="other", display_name=f"附件{i}.pdf",
                                content_type="application/pdf", size=10, sha256=f"{i:064d}", uploaded_by=applicant)
            material.file.save("x.pdf", ContentFile(b"%PDF-1.4"), save=False)
            material.save()

    add(1)
    urls = ["/declarations/", f"/declarations/{draft.pk}/edit/?step=materials",
            f"/declarations/{draft.pk}/edit/?step=submit", f"/declarations/{draft.pk}/"]
    counts = {}
    for url in urls:
        page.get(url)  # the declaration's page kept (config.fragments)
        with django_assert_max_num_queries(60) as captured:
            assert page.get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    add(49)
    for url in urls:
        changed = 1 if url == urls[-1] else 0  # the kept page's rows changed: its digest, then its rows
        with django_assert_max_num_queries(counts[url] + changed):
            assert page.get(url).status_code == 200, url
        with django_assert_max_num_queries(counts[url]):
            assert page.get(url).status_code == 200, url
