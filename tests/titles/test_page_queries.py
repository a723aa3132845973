"""Queries per page (issue 14): each page costs a fixed number of queries, with 1 plan or 30, and lists
show 20 plans a page without counting them all."""

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from tests.factories import review_plan, user_with_role
from titles.api import PlanPhaseSerializer
from titles.models import PlanAmendment, ReviewPlan

pytestmark = pytest.mark.django_db

# sessions on Redis (REDIS_URL set) are read from the cache; on the database they cost one query
SESSION = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
# with a shared cache (REDIS_URL: accounts/request_cache.py) the reader's roles and unread count come from
# it once warm; without, each costs a query:
# pages (not the API): the header's unread-notification count (accounts.context_processors)
HEADER = 0 if settings.REQUEST_CACHE else 1
# the sign-in safeguards (accounts.middleware) ask every request for the reader's roles, once: is this
# a staff session (idle timeout) or a two-factor role; pages that need the roles reuse them
ROLES = 0 if settings.REQUEST_CACHE else 1
# the signed-in user's row (Django's authentication, every request) comes from it too, with the roles and the
# unread count in one round trip (accounts.middleware.AuthenticationMiddleware)
USER = 0 if settings.REQUEST_CACHE else 1
# a published plan's page and the API list read the plans with their phases and amendments in one statement
# on PostgreSQL (arrays of JSON objects), in three elsewhere (titles.selectors.published_plan_page, plan_api_page)
PLAN_READS = 1 if connection.vendor == "postgresql" else 3
# the catalogue's body is drawn once per change and kept in the shared cache (titles.catalogue); without one it
# reads the series, title names, specialties and the rulebook each time
CATALOGUE = 0 if settings.REQUEST_CACHE else 4

# page: (url, most queries): user + the page's own reads
PAGES = {
    "plan detail": ("/titles/plans/{first}/", PLAN_READS + USER + ROLES + HEADER),
    "plan list": ("/titles/plans/", 1 + USER + ROLES + HEADER),  # 21 plans with their dates and counts
    "API list": ("/api/v1/plans/", PLAN_READS + USER + ROLES),    # 21 plans, phases, amendments
    "catalogue": ("/titles/catalogue/", CATALOGUE + USER + ROLES + HEADER),
    "eligibility page": ("/titles/eligibility/", 4 + USER + ROLES + HEADER),  # the same, and the rulebook
}


def published_plans(bureau, n):
    plans = [review_plan(bureau, name=f"第{i:02d}号方案") for i in range(n)]
    ReviewPlan.objects.filter(pk__in=[p.pk for p in plans]).update(status="published", published_at=timezone.now())
    for plan in plans[::3]:
        PlanAmendment.objects.create(plan=plan, number=1, reason="调整", before={}, after={})
    return plans


@pytest.mark.parametrize("size", [1, 30])
@pytest.mark.parametrize("page", list(PAGES))
def test_page_queries_do_not_grow_with_the_plans(client, org_tree, django_assert_max_num_queries, page, size):
    plans = published_plans(org_tree["bureau"], size)
    client.force_login(user_with_role(Role.APPLICANT, org_tree["employer_a"]))
    url, most = PAGES[page]
    client.get(url.format(first=plans[-1].pk))  # warm (the cache, when there is one)
    with django_assert_max_num_queries(most + SESSION):
        response = client.get(url.format(first=plans[0].pk))
    assert response.status_code == 200


def test_plan_list_shows_20_a_page_with_links_to_the_next(client, org_tree):
    published_plans(org_tree["bureau"], 30)
    client.force_login(user_with_role(Role.APPLICANT, org_tree["employer_a"]))
    first = client.get("/titles/plans/").content.decode()
    assert first.count("第") - first.count("第 1 页") >= 20 and "第00号方案" in first and "第20号方案" not in first
    assert 'href="?page=2" rel="next"' in first and "上一页" not in first
    assert "（已修订 1 次）" in first and "8月1日～9月30日" in first and "11月10日～11月20日" in first
    second = client.get("/titles/plans/?page=2").content.decode()
    assert "第29号方案" in second and "第19号方案" not in second and "下一页" not in second and "上一页" in second
    for bad in ("abc", "0", "3"):
        response = client.get(f"/titles/plans/?page={bad}")
        assert response.status_code == 400 and "页码（page）" in response.content.decode()


def test_api_list_pages_20_plans_without_a_total(client, org_tree):
    published_plans(org_tree["bureau"], 30)
    client.force_login(user_with_role(Role.APPLICANT, org_tree["employer_a"]))
    first = client.get("/api/v1/plans/").json()
    assert len(first["results"]) == 20 and first["previous"] is None and first["next"].endswith("?page=2")
    assert first["results"][0]["name"] == "第00号方案" and len(first["results"][0]["phases"]) == 7
    plan = ReviewPlan.objects.get(pk=first["results"][0]["id"])
    assert first["results"][0]["phases"] == PlanPhaseSerializer(plan.phases.all(), many=True).data
    assert first["results"][0]["phases"][0] == {"kind": "declaration", "kind_display": "个人申报",
                                                "start": "2026-08-01", "end": "2026-09-30"}
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 10 and second["next"] is None and second["previous"].endswith("/api/v1/plans/")
    response = client.get("/api/v1/plans/?page=x")
    assert response.status_code == 404 and "页码（page）" in response.json()["detail"]


def test_a_published_plan_page_asks_for_the_roles_only_once(client, org_tree, django_assert_num_queries):
    """The publish button belongs to drafts: a published plan's page asks for the reader's roles only for
    the sign-in safeguards, once (from the shared cache, when there is one)."""
    plan = published_plans(org_tree["bureau"], 1)[0]
    client.force_login(user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"]))
    client.get(f"/titles/plans/{plan.pk}/")  # a staff session records its activity at most once a minute
    two_factor_device = 0 if settings.REQUEST_CACHE else 1  # the verified device: read ahead with the user
    with django_assert_num_queries(PLAN_READS + USER + ROLES + HEADER + SESSION + two_factor_device) as queries:
        html = client.get(f"/titles/plans/{plan.pk}/").content.decode()
    assert "发布方案" not in html and sum("rolemembership" in q["sql"] for q in queries.captured_queries) == ROLES


def test_the_api_list_without_filters_gives_what_the_serializer_gives(client, org_tree):
    """The list reads plain rows with prepared SQL and shapes them by hand (titles.api.plan_list_data): field
    for field what ReviewPlanSerializer gives, for drafts and published plans, with and without amendments and
    PDFs, as the issuing bureau's reviewer sees them."""
    import json

    from titles.api import ReviewPlanSerializer
    from titles.selectors import plan_document_name, visible_plans

    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    plans = published_plans(org_tree["bureau"], 4)
    PlanAmendment.objects.create(plan=plans[1], number=2, reason="再调整", before={"a": 1}, after={"a": [2]},
                                 actor=reviewer)
    ReviewPlan.objects.filter(pk=plans[0].pk).update(document=plan_document_name(plans[0].pk, 1))
    ReviewPlan.objects.filter(pk=plans[2].pk).update(document=plan_document_name(plans[2].pk, 0), issued_on=None)
    review_plan(org_tree["bureau"], name="第99号方案（草稿）")
    client.force_login(reviewer)
    fast = client.get("/api/v1/plans/").json()["results"]
    expected = json.loads(json.dumps(ReviewPlanSerializer(visible_plans(reviewer)[:20], many=True).data))
    assert len(fast) == 5 and fast == expected
    assert {p["document_status"] for p in fast} == {"", "已生成", "PDF 生成中"}
    filtered = client.get("/api/v1/plans/?status=draft").json()["results"]  # the filters: the serializer's path
    assert [p["name"] for p in filtered] == ["第99号方案（草稿）"]


def test_the_plan_page_shows_its_facts_amendments_and_an_edit_at_once(client, org_tree):
    from titles.models import PlanPhase

    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"], real_name="方案修订人")
    plan = published_plans(org_tree["bureau"], 1)[0]
    PlanAmendment.objects.create(plan=plan, number=2, reason="会议改期", before={}, after={}, actor=reviewer)
    client.force_login(user_with_role(Role.APPLICANT, org_tree["employer_a"]))
    html = client.get(f"/titles/plans/{plan.pk}/").content.decode()
    assert f"<h1>{plan}</h1>" in html and "印发日期</dt><dd>2026年7月1日" in html and "已发布" in html
    assert "<td>2</td><td>会议改期</td><td>方案修订人</td>" in html and "<td>1</td><td>调整</td><td>—</td>" in html
    assert "<td>个人申报</td><td>2026年8月1日</td><td>2026年9月30日</td>" in html
    assert "PDF 生成中" in html and "下载" not in html
    PlanPhase.objects.filter(plan=plan, kind="declaration").update(end="2026-09-29")
    assert "<td>2026年8月1日</td><td>2026年9月29日</td>" in client.get(f"/titles/plans/{plan.pk}/").content.decode()
    assert client.get(f"/titles/plans/{2**63}/").status_code == 404
