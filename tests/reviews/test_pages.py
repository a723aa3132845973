"""The reviewers' pages: the queue with counts and filters (constant queries), actions from forms."""

from datetime import date

import pytest

from accounts.models import Role
from declarations.models import Declaration
from tests.factories import user_with_role
from tests.reviews.conftest import move_to, submitted

pytestmark = pytest.mark.django_db


def _bulk(plan, employer, n, state="employer_review", tag=""):
    from django.utils import timezone

    from accounts.models import RoleMembership, User

    users = User.objects.bulk_create([User(username=f"bulk{employer.pk}-{i}-{state}{tag}") for i in range(n)])
    RoleMembership.objects.bulk_create([RoleMembership(user=u, organisation=employer, role=Role.APPLICANT)
                                        for u in users])
    Declaration.objects.bulk_create([Declaration(applicant=u, employer=employer, plan=plan, year=2026,
                                                 series=plan.series, level="intermediate", state=state,
                                                 submitted_at=timezone.now())
                                     for u in users])


def test_the_queue_counts_filters_and_keeps_its_queries(client, in_window, plan, org_tree, settings,
                                                        django_assert_max_num_queries):
    settings.REQUEST_CACHE = True
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
    for page in (1, 2):  # warm: the user, roles, two-factor device and organisations from the request cache
        with django_assert_max_num_queries(2):  # the page's rows, its counts: nothing else (issue 20)
            assert client.get(f"/reviews/?page={page}").status_code == 200
    filtered = client.get("/reviews/?state=employer_review&unit=甲").content.decode()
    assert filtered.count('data-state="employer_review"') == 10 and 'data-state="bureau_review"' not in filtered
    assert client.get("/reviews/?year=abc").status_code == 400


def test_the_counts_link_each_state_in_the_tables_order_and_say_when_there_is_none(client, in_window, plan,
                                                                                 org_tree):
    client.force_login(user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"]))
    assert "暂无待办申报" in client.get("/reviews/").content.decode()
    _bulk(plan, org_tree["employer_a"], 2, state="unit_publicity")
    _bulk(plan, org_tree["employer_a"], 3)
    counts = client.get("/reviews/").content.decode().split('data-testid="counts">')[1].split("</p>")[0]
    assert counts == ('<a href="?state=employer_review">单位审核 <strong>3</strong></a> · '
                      '<a href="?state=unit_publicity">单位推荐公示 <strong>2</strong></a>')


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


def test_the_queue_pages_without_counting(client, in_window, plan, org_tree):
    client.force_login(user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"]))
    _bulk(plan, org_tree["employer_a"], 25)
    first = client.get("/reviews/").content.decode()
    assert "单位审核 <strong>25</strong>" in first
    assert first.count('data-state="employer_review"') == 20 and "下一页" in first and "上一页" not in first
    second = client.get("/reviews/?page=2").content.decode()
    assert second.count('data-state="employer_review"') == 5 and "上一页" in second and "下一页" not in second
    assert client.get("/reviews/?page=3").status_code == 400
    assert client.get("/reviews/?page=abc").status_code == 400


def _counts(html: str) -> dict[str, int]:
    """The queue page's counts: state label → figure."""
    import re

    part = html.split('data-testid="counts">', 1)[1].split("</p>", 1)[0]
    return {label: int(n) for label, n in re.findall(r'">(\S+) <strong>(\d+)</strong>', part)}


def _recount_rows(actor) -> dict[str, int]:
    """The queue's counts counted the slow way, row by row (what the count table must always equal)."""
    from collections import Counter

    from declarations.selectors import review_queue

    return dict(Counter(review_queue(actor).values_list("state", flat=True)))


def _recount(actor) -> dict[str, int]:
    """``_recount_rows``, checked against the counts the queue shows."""
    from declarations.selectors import queue_counts, reviewed_employers

    exact = _recount_rows(actor)
    assert queue_counts(actor, reviewed_employers(actor)) == exact
    return exact


def test_every_writer_of_a_state_moves_the_next_pages_counts(client, in_window, plan, org_tree, applicant, people,
                                                             settings):
    """The counts are never stale: a submit, a return, a resubmission, a withdrawal, a set-based sweep, a bulk
    load, an update and a delete outside the services each show on the very next page, for the handler and for
    the bureau; the reviewer's own declaration is never in their counts (issue 20)."""
    from reviews.deadlines import run_sweep
    from tests.reviews.test_deadlines import act, returned

    handler, bureau = people["handler"], people["bureau"]
    pages = {}
    for name, user in (("handler", handler), ("bureau", bureau)):
        pages[name] = client.__class__()
        pages[name].force_login(user)

    def shown(name):
        return _counts(pages[name].get("/reviews/").content.decode())

    assert shown("handler") == shown("bureau") == {}
    declaration = submitted(applicant, plan)  # a submit
    assert shown("handler") == shown("bureau") == {"单位审核": 1}
    other = returned(user_with_role(Role.APPLICANT, org_tree["employer_a"]), plan, people, date(2026, 9, 22))
    assert shown("handler") == {"单位审核": 1, "退回补正": 1}  # a return
    act(other.applicant, other, "resubmit")
    assert shown("bureau") == {"单位审核": 2}
    returned(user_with_role(Role.APPLICANT, org_tree["employer_a"]), plan, people, date(2026, 9, 22))
    assert shown("bureau") == {"单位审核": 2, "退回补正": 1}
    assert run_sweep("abandon_corrections", date(2026, 9, 23)).total == 1  # the sweep: set-based in PostgreSQL
    assert shown("handler") == shown("bureau") == {"单位审核": 2, "视为放弃申报": 1}
    act(applicant, declaration, "withdraw")
    assert shown("bureau") == {"单位审核": 1, "视为放弃申报": 1, "已撤回": 1}
    _bulk(plan, org_tree["employer_b"], 3, state="bureau_review")  # bulk_create: one INSERT of many rows
    assert shown("bureau") == {"单位审核": 1, "人社部门政策性审查": 3, "视为放弃申报": 1, "已撤回": 1}
    assert shown("handler") == {"单位审核": 1, "视为放弃申报": 1, "已撤回": 1}  # employer_b is not the handler's
    Declaration.objects.filter(employer=org_tree["employer_b"]).update(state="rejected")  # outside the services
    assert shown("bureau") == {"单位审核": 1, "审核不通过": 3, "视为放弃申报": 1, "已撤回": 1}
    Declaration.objects.filter(employer=org_tree["employer_b"]).update(employer=org_tree["employer_a"])
    assert shown("handler") == {"单位审核": 1, "审核不通过": 3, "视为放弃申报": 1, "已撤回": 1}
    Declaration.objects.filter(state="rejected").first().delete()
    assert shown("handler") == shown("bureau") == {"单位审核": 1, "审核不通过": 2, "视为放弃申报": 1, "已撤回": 1}
    # the handler declares too: their own declaration is in the bureau's counts, never in their own queue
    from accounts.models import RoleMembership, User

    RoleMembership.objects.create(user=handler, organisation=org_tree["employer_a"], role=Role.APPLICANT)
    own = submitted(User.objects.get(pk=handler.pk), plan)
    assert shown("bureau")["单位审核"] == 2 and shown("handler")["单位审核"] == 1
    for user in (handler, bureau, people["dept"], people["other_bureau"]):
        _recount(user)
    assert own.state == "employer_review"


def test_a_reviewer_who_sees_every_organisation_reads_the_sites_totals_and_they_never_drift(
        client, in_window, plan, org_tree, applicant, people, django_assert_max_num_queries):
    """A province's bureau (above both cities) and the system admin see every organisation: their counts are the
    site's totals per state (``QueueTotal``, kept by the count triggers), one query as for anyone; whatever
    writes, the totals stay the sums of the per-employer counts and the counts stay those of the rows; a city's
    bureau still sums its own employers; a unit created outside the province's tree sends the province back to
    the sums at once."""
    from django.db.models import F, Sum

    from declarations.models import QueueCount, QueueTotal
    from declarations.selectors import queue_counts, reviewed_employers
    from tests.factories import OrganisationFactory

    province = OrganisationFactory(name="省人社厅", kind="hr_bureau")
    for city in ("bureau", "other_bureau"):
        org_tree[city].parent = province
        org_tree[city].save()
    reviewers = {"province": user_with_role(Role.BUREAU_REVIEWER, province),
                 "admin": user_with_role(Role.SYSTEM_ADMIN, province), "city": people["bureau"]}

    def check(totals_read: set[str]):
        sums = dict(QueueCount.objects.values("state").annotate(n=Sum("n")).values_list("state", "n"))
        assert dict(QueueTotal.objects.values_list("state", "n")) == sums
        for actor in reviewers.values():
            employers = reviewed_employers(actor)
            with django_assert_max_num_queries(1):
                counts = queue_counts(actor, employers)
            assert counts == _recount_rows(actor)
        QueueTotal.objects.update(n=F("n") + 1000)  # which reviewers read the totals: they see this
        try:
            read = {name for name, actor in reviewers.items()
                    if queue_counts(actor, reviewed_employers(actor)) != _recount_rows(actor)}
        finally:
            QueueTotal.objects.update(n=F("n") - 1000)
        assert read == totals_read

    check(set())
    _bulk(plan, org_tree["employer_a"], 4)
    _bulk(plan, org_tree["other_employer"], 3, state="bureau_review")
    declaration = submitted(applicant, plan)
    check({"province", "admin"})
    Declaration.objects.filter(employer=org_tree["other_employer"]).update(state="rejected")
    Declaration.objects.filter(applicant__username__startswith="bulk", employer=org_tree["employer_a"]).first().delete()
    Declaration.objects.filter(pk=declaration.pk).update(employer=org_tree["other_employer"])
    check({"province", "admin"})
    assert queue_counts(reviewers["province"], reviewed_employers(reviewers["province"])) == {
        "employer_review": 4, "rejected": 3}
    elsewhere = OrganisationFactory(name="省外单位")  # not under the province: its declarations are not its
    _bulk(plan, elsewhere, 2)
    check({"admin"})
    assert queue_counts(reviewers["province"], reviewed_employers(reviewers["province"]))["employer_review"] == 4
    client.force_login(reviewers["province"])
    assert _counts(client.get("/reviews/").content.decode()) == {"单位审核": 4, "审核不通过": 3}


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
    assert timeline.count("<li><time") == 4 and '李经办：<span data-action="return">退回补正</span>（单位审核 → 退回补正）' in timeline
    assert "第 2 次退回" in page and "新上传的文件已过期" in page and "复印件不清晰" not in page.split("办理记录")[0]
    assert "第 1 版 → 第 2 版的改动" in page and "第 2 版 ·" in page and "退回次数</dt><dd>2" in page
    label = _id_card_label(declaration)
    correction = page.split('data-testid="correction"')[1].split("</section>")[0]
    assert f"<strong>申报材料 · {label}</strong>：新上传的文件已过期" in correction and "material:" not in correction
    diff = page.split('data-testid="diff"')[1].split("</section>")[0]
    assert f"<strong>申报材料 · {label}</strong>：更换" in diff and "material:" not in diff and "replaced" not in diff


def _id_card_label(declaration) -> str:
    from declarations.selectors import material_labels

    return material_labels(declaration)["id_card"]


def test_a_return_from_the_page_names_materials_as_the_page_does_and_keeps_their_codes(client, in_window, plan,
                                                                                     applicant, people):
    """The handler writes what the page shows (居民身份证), not a code; the notice keeps the code, so a second return
    is checked against what the correction changed (一次性告知), and the applicant reads the name."""
    from declarations.services import take_action
    from reviews.models import CorrectionNotice

    handler = people["handler"]
    declaration = submitted(applicant, plan)
    label = _id_card_label(declaration)
    client.force_login(handler)
    url = f"/reviews/{declaration.pk}/actions/return/"
    response = client.post(url, {"items": f"{label}：复印件不清晰\n参加工作时间：与档案不符\n其他：请补充说明"})
    assert response.status_code == 302
    notice = CorrectionNotice.objects.get(declaration=declaration)
    assert [item["about"] for item in notice.items] == ["material:id_card", "profile.career_start", "其他"]
    client.force_login(applicant)
    correction = client.get(f"/declarations/{declaration.pk}/").content.decode().split(
        'data-testid="correction"')[1].split("</section>")[0]
    assert (f"<strong>申报材料 · {label}</strong>：复印件不清晰" in correction
            and "<strong>档案 · 参加工作时间</strong>：与档案不符" in correction and "<strong>其他</strong>" in correction)
    id_card = declaration.materials.get(kind="id_card")
    id_card.sha256 = "e" * 64
    id_card.save()
    take_action(actor=applicant, declaration_id=declaration.pk, action="resubmit")
    client.force_login(handler)
    refused = client.post(url, {"items": "学历（学位）证书：不清晰"}, follow=True).content.decode()
    assert "RETURN_ONCE" in refused and CorrectionNotice.objects.filter(declaration=declaration).count() == 1
    assert f"本次补正改动了：申报材料 · {label}" in refused and "material:" not in refused  # named as on the page
    client.post(url, {"items": f"申报材料 · {label}：新上传的文件已过期"})
    assert CorrectionNotice.objects.filter(declaration=declaration).count() == 2
    assert CorrectionNotice.objects.latest("pk").items == [{"about": "material:id_card", "problem": "新上传的文件已过期"}]


@pytest.mark.parametrize("reader", ["handler", "bureau"])
def test_each_queue_costs_the_same_queries_with_forty_times_the_declarations(client, in_window, plan, org_tree,
                                                                             people, reader,
                                                                             django_assert_max_num_queries,
                                                                             django_assert_num_queries):
    """The queue page reads its 20 rows and its counts in one query each (the first pages unfiltered, as every
    reviewer opens them): the same number of queries with 5 declarations or 205 (issue 20)."""
    from django.conf import settings

    from tests.titles.test_page_queries import HEADER, ROLES, SESSION, USER

    client.force_login(people[reader])
    _bulk(plan, org_tree["employer_a"], 3)
    _bulk(plan, org_tree["employer_b"], 2, state="bureau_review")
    client.get("/reviews/")  # warm: the reader's roles and organisations in the request cache
    # the rows and the counts; the bureau (a two-factor role) also its verified device (django-otp), and without
    # the request cache its organisations, a query a level of the tree
    bureau = reader == "bureau"
    most = 2 + SESSION + USER + ROLES + HEADER + bureau + (0 if settings.REQUEST_CACHE or not bureau else 4)
    with django_assert_max_num_queries(most) as small:
        assert "单位审核 <strong>3</strong>" in client.get("/reviews/?page=1").content.decode()
    _bulk(plan, org_tree["employer_a"], 120, tag="more")
    _bulk(plan, org_tree["employer_b"], 80, state="bureau_review", tag="more")
    with django_assert_num_queries(len(small.captured_queries)):
        page = client.get("/reviews/?page=2").content.decode()
    assert "单位审核 <strong>123</strong>" in page and page.count("<tr data-state=") == 20


def test_the_queue_rows_show_each_fact_and_escape_what_people_typed(client, in_window, plan, org_tree, people):
    """The table's rows are made in Python (issue 20): each cell as the template made it, every text escaped."""
    from django.utils import timezone

    from accounts.models import Organisation, User

    Organisation.objects.filter(pk=org_tree["employer_a"].pk).update(name="甲&<乙>单位")
    user = User.objects.create(username="u1", real_name='<script>alert("张")</script>')
    at = timezone.make_aware(timezone.datetime(2026, 9, 3, 8, 5))
    declaration = Declaration.objects.create(applicant=user, employer=org_tree["employer_a"], plan=plan, year=2026,
                                             series=plan.series, level="intermediate", state="employer_review",
                                             version=2, submitted_at=at)
    client.force_login(people["handler"])
    page = client.get("/reviews/").content.decode()
    local = timezone.localtime(at)
    assert (f'<tr data-state="employer_review"><td><a href="/declarations/{declaration.pk}/">{declaration.pk}</a></td>'
            '<td>&lt;script&gt;alert(&quot;张&quot;)&lt;/script&gt;</td><td>甲&amp;&lt;乙&gt;单位</td>'
            f'<td>2026 年{plan.series.name}中级（正常申报）</td><td>单位审核</td><td>2</td>'
            f'<td>{local:%Y-%m-%d %H:%M}</td></tr>') in page
    assert "<script>" not in page.split('data-testid="queue"')[1]
    Declaration.objects.filter(pk=declaration.pk).update(state="withdrawn")
    assert "没有符合条件的申报" not in client.get("/reviews/").content.decode()
    assert "没有符合条件的申报" in client.get("/reviews/?state=employer_review").content.decode()

