"""The reviewers' pages: the queue with counts and filters (constant queries), actions from forms."""

from datetime import date

import pytest

from accounts.models import Role
from declarations.models import Declaration
from tests.factories import user_with_role
from tests.reviews.conftest import move_to, submitted

pytestmark = pytest.mark.django_db


def _bulk(plan, employer, n, state="employer_review"):
    from django.utils import timezone

    from accounts.models import RoleMembership, User

    users = User.objects.bulk_create([User(username=f"bulk{employer.pk}-{i}-{state}") for i in range(n)])
    RoleMembership.objects.bulk_create([RoleMembership(user=u, organisation=employer, role=Role.APPLICANT)
                                        for u in users])
    Declaration.objects.bulk_create([Declaration(applicant=u, employer=employer, plan=plan, year=2026,
                                                 series=plan.series, level="intermediate", state=state,
                                                 submitted_at=timezone.now())
                                     for u in users])


def test_the_queue_counts_filters_and_keeps_its_queries(client, in_window, plan, org_tree,
                                                        django_assert_max_num_queries):
    bureau = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    client.force_login(bureau)
    _bulk(plan, org_tree["employer_a"], 10)
    with django_assert_max_num_queries(20) as small:
        html = client.get("/reviews/").content.decode()
    assert "单位审核 <strong>10</strong>" in html
    _bulk(plan, org_tree["employer_b"], 990, state="bureau_review")
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get("/reviews/").content.decode()
    assert "人社部门政策性审查 <strong>990</strong>" in html
    filtered = client.get("/reviews/?state=employer_review&unit=甲").content.decode()
    assert filtered.count('data-state="employer_review"') == 10 and 'data-state="bureau_review"' not in filtered
    assert client.get("/reviews/?year=abc").status_code == 400


def test_another_city_and_applicants_see_no_queue(client, in_window, plan, org_tree, applicant):
    _bulk(plan, org_tree["employer_a"], 3)
    client.force_login(user_with_role(Role.BUREAU_REVIEWER, org_tree["other_bureau"]))
    assert 'data-state="employer_review"' not in client.get("/reviews/").content.decode()
    client.force_login(applicant)
    assert client.get("/reviews/").status_code == 403


def test_the_employer_works_the_declaration_from_its_page(settings, client, in_window, plan, org_tree, applicant):
    from reviews.services import set_quota

    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"], real_name="李经办")
    admin = user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_a"])
    dept = user_with_role(Role.DEPT_REVIEWER, org_tree["dept"])
    declaration = submitted(applicant, plan)
    set_quota(actor=dept, plan_id=plan.pk, employer_id=org_tree["employer_a"].pk, level="intermediate", places=3)
    client.force_login(handler)
    page = client.get(f"/declarations/{declaration.pk}/").content.decode()
    assert "退回补正" in page and "签署" in page
    for material in declaration.materials.all():
        client.post(f"/reviews/materials/{material.pk}/verify/", {"verdict": "true"})
    assert "属实 · 李经办" in client.get(f"/declarations/{declaration.pk}/").content.decode()
    client.force_login(admin)
    response = client.post(f"/reviews/{declaration.pk}/actions/recommend/",
                           {"members": "7", "for": "6", "against": "1", "abstain": "0"}, follow=True)
    assert "单位推荐公示" in response.content.decode()
    move_to(settings, date(2026, 9, 21))
    client.post(f"/reviews/{declaration.pk}/actions/forward/")
    assert Declaration.objects.get(pk=declaration.pk).state == "department_review"
    refused = client.post(f"/reviews/{declaration.pk}/actions/pass/", follow=True)
    assert refused.status_code == 403
    client.force_login(applicant)
    timeline = client.get(f"/declarations/{declaration.pk}/").content.decode()
    assert "recommend" in timeline and "依据" in timeline and "甲单位" in timeline


def test_the_queue_pages_without_counting_and_caps_its_counts(client, in_window, plan, org_tree, monkeypatch):
    monkeypatch.setattr("declarations.selectors.QUEUE_COUNT_CAP", 5)
    monkeypatch.setattr("reviews.views.QUEUE_COUNT_CAP", 5)
    client.force_login(user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"]))
    _bulk(plan, org_tree["employer_a"], 25)
    first = client.get("/reviews/").content.decode()
    assert "单位审核 <strong>5+</strong>" in first
    assert first.count('data-state="employer_review"') == 20 and "下一页" in first and "上一页" not in first
    second = client.get("/reviews/?page=2").content.decode()
    assert second.count('data-state="employer_review"') == 5 and "上一页" in second and "下一页" not in second
    assert client.get("/reviews/?page=3").status_code == 400
    assert client.get("/reviews/?page=abc").status_code == 400


def test_the_unfiltered_queue_shows_the_filter_form_rendered_once(client, in_window, plan, org_tree):
    """The unbound filter form is rendered once per process and language (issue 20): it is exactly what a
    fresh render gives, and a filtered queue still shows its own values."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from reviews.filters import FIELDS_TEMPLATE, QueueFilter, _blank_fields, filter_fields_html

    _blank_fields.clear()
    fresh = render_to_string(FIELDS_TEMPLATE, {"filter": QueueFilter(None, queryset=Declaration.objects.none())})
    client.force_login(user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"]))
    _bulk(plan, org_tree["employer_a"], 2)
    assert fresh in client.get("/reviews/?page=1").content.decode()
    assert filter_fields_html(None) is filter_fields_html(None) and filter_fields_html(None) == fresh
    filtered = client.get("/reviews/?unit=甲&state=employer_review").content.decode()
    assert 'value="甲"' in filtered and '<option value="employer_review" selected>' in filtered
    assert fresh not in filtered
    with translation.override("en"):
        filter_fields_html(None)
    assert set(_blank_fields) == {translation.get_language(), "en"}


def test_the_declaration_page_shows_each_materials_latest_verification(client, in_window, plan, org_tree,
                                                                       applicant, django_assert_max_num_queries):
    """Each material with its latest verification, read with the materials (one query for any number)."""
    from django.utils import timezone

    from reviews.services import verify_material

    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"], real_name="李经办")
    declaration = submitted(applicant, plan)
    first, *others = declaration.materials.order_by("kind", "pk")
    verify_material(actor=handler, material_id=first.pk, verdict="true")
    client.force_login(handler)
    with django_assert_max_num_queries(30) as one:
        page = client.get(f"/declarations/{declaration.pk}/").content.decode()
    assert page.count("属实 · 李经办") == 1 and page.count("未审查") == len(others)
    verify_material(actor=handler, material_id=first.pk, verdict="wrong", comment="复印件不清晰")
    for material in others:
        verify_material(actor=handler, material_id=material.pk, verdict="matches_original")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(f"/declarations/{declaration.pk}/").content.decode()
    signed = timezone.localtime(declaration.materials.get(pk=first.pk).verifications.latest("pk").signed_at)
    assert f"有误 · 李经办 · {signed:%Y-%m-%d %H:%M}（复印件不清晰）" in page and "属实 · 李经办" not in page
    assert page.count("与原件相符 · 李经办") == len(others) and "未审查" not in page


def test_the_declaration_page_reads_its_versions_returns_and_decisions_at_once(client, in_window, plan, applicant,
                                                                                people,
                                                                                django_assert_max_num_queries):
    """Versions, returns and decisions in one query (issue 20): a declaration returned, resubmitted and
    returned again costs no more queries than one just submitted, and the page shows all of it."""
    from declarations.services import take_action

    handler = people["handler"]
    declaration = submitted(applicant, plan)
    client.force_login(handler)
    with django_assert_max_num_queries(30) as fresh:
        client.get(f"/declarations/{declaration.pk}/")
    id_card = declaration.materials.get(kind="id_card")
    take_action(actor=handler, declaration_id=declaration.pk, action="return",
                payload={"items": [{"about": "material:id_card", "problem": "复印件不清晰"}]})
    id_card.sha256 = "f" * 64
    id_card.save()
    take_action(actor=applicant, declaration_id=declaration.pk, action="resubmit")
    take_action(actor=handler, declaration_id=declaration.pk, action="return",
                payload={"items": [{"about": "material:id_card", "problem": "新上传的文件已过期"}]})
    with django_assert_max_num_queries(len(fresh.captured_queries)):
        page = client.get(f"/declarations/{declaration.pk}/").content.decode()
    timeline = page.split('data-testid="timeline"')[1]
    assert timeline.count("<li><time") == 4 and "李经办：return（单位审核 → 退回补正）" in timeline
    assert "第 2 次退回" in page and "新上传的文件已过期" in page and "复印件不清晰" not in page.split("办理记录")[0]
    assert "第 1 版 → 第 2 版的改动" in page and "第 2 版 ·" in page and "退回次数</dt><dd>2" in page
