import pytest

from accounts.models import Role
from tests.factories import review_plan, user_with_role
from titles.models import ReviewPlan
from titles.services import publish_plan

pytestmark = pytest.mark.django_db


def test_applicant_sees_published_plans_not_drafts(client, org_tree):
    bureau_user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    published = review_plan(org_tree["bureau"], name="建筑专业方案")
    draft = review_plan(org_tree["bureau"], name="快递专业草稿")
    publish_plan(actor=bureau_user, plan_id=published.pk)
    client.force_login(user_with_role(Role.APPLICANT, org_tree["employer_a"]))
    html = client.get("/titles/plans/").content.decode()
    assert "建筑专业方案" in html and "快递专业草稿" not in html
    page = client.get(f"/titles/plans/{published.pk}/").content.decode()
    assert "评审会议" in page and "2026年11月10日" in page and "发布前检查" not in page
    assert client.get(f"/titles/plans/{draft.pk}/").status_code == 403
    assert client.post(f"/titles/plans/{draft.pk}/publish/").status_code == 403
    assert client.get(f"/titles/plans/{published.pk}/document.pdf").status_code == 404  # not rendered yet


def test_bureau_sees_the_draft_problems_and_publishes_from_the_page(client, org_tree):
    bureau_user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    from titles.models import RulebookVersion

    RulebookVersion.objects.create(name="本市规则", region_code="140400", version=1, status="active",
                                   citations={"NOTICE_PERIOD": "长人社函〔2024〕188号 三、1"})
    plan = review_plan(org_tree["bureau"], issued_on="2026-07-20")
    client.force_login(bureau_user)
    page = client.get(f"/titles/plans/{plan.pk}/").content.decode()
    assert 'data-rule="NOTICE_PERIOD"' in page and "长人社函〔2024〕188号 三、1" in page  # the city's layer
    assert "000 三" not in page
    response = client.post(f"/titles/plans/{plan.pk}/publish/", follow=True)
    html = response.content.decode()
    assert "未发布" in html and "NOTICE_PERIOD" in html and "依据：长人社函〔2024〕188号 三、1" in html
    assert ReviewPlan.objects.get(pk=plan.pk).status == "draft"
    ReviewPlan.objects.filter(pk=plan.pk).update(issued_on="2026-07-01")
    response = client.post(f"/titles/plans/{plan.pk}/publish/", follow=True)
    assert "方案已发布" in response.content.decode()
    assert ReviewPlan.objects.get(pk=plan.pk).status == "published"


def test_plan_document_is_served_after_the_permission_check(client, org_tree):
    from titles.rendering import render_plan_document

    bureau_user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    plan = review_plan(org_tree["bureau"])
    publish_plan(actor=bureau_user, plan_id=plan.pk)
    render_plan_document(plan_id=plan.pk)
    client.force_login(user_with_role(Role.APPLICANT, org_tree["other_employer"]))
    response = client.get(f"/titles/plans/{plan.pk}/document.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_plan_list_query_count_is_constant(client, org_tree, django_assert_max_num_queries):
    bureau_user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    client.force_login(bureau_user)
    review_plan(org_tree["bureau"])
    with django_assert_max_num_queries(12) as few:
        client.get("/titles/plans/")
    for _ in range(8):
        review_plan(org_tree["bureau"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/titles/plans/").status_code == 200


def test_workspace_links_lead_to_the_pages(client, org_tree):
    client.force_login(user_with_role(Role.APPLICANT, org_tree["employer_a"]))
    html = client.get("/workspace/applicant/").content.decode()
    assert "/titles/eligibility/" in html and "/titles/plans/" in html and "/admin/" not in html


def test_demo_bureau_reviewer_works_in_the_admin_console_and_an_applicant_does_not(client):
    from accounts.demo import load_demo
    from accounts.models import User

    load_demo()
    client.force_login(User.objects.get(username="bureau"))
    assert client.get("/admin/titles/reviewplan/").status_code == 200
    assert client.get("/admin/titles/rulebookversion/add/").status_code == 200
    # holiday schedules are national data: the system admin enters them
    assert client.get("/admin/titles/workingdayschedule/add/").status_code == 403
    client.force_login(User.objects.get(username="sysadmin"))
    assert client.get("/admin/titles/workingdayschedule/add/").status_code == 200
    client.force_login(User.objects.get(username="applicant"))
    assert client.get("/admin/titles/reviewplan/").status_code == 302


def test_catalogue_page_lists_series_titles_specialties_and_equivalences(client, org_tree,
                                                                         django_assert_max_num_queries):
    client.force_login(user_with_role(Role.APPLICANT, org_tree["employer_a"]))
    with django_assert_max_num_queries(12):
        html = client.get("/titles/catalogue/").content.decode()
    for text in ("正高级工程师", "助教", "译审", "快递（2024 年增设", "一级注册建造师", "工艺美术师"):
        assert text in html, text
