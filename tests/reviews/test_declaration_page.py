"""A declaration's page (``declarations.page``): the gate, and one query whatever the declaration holds (issue 20)."""

import re

import pytest
from django.conf import settings as django_settings
from django.db import connection

from accounts.models import Role
from accounts.services import record_event
from declarations.models import Declaration
from declarations.services import take_action
from reviews.services import record_objection, set_quota
from tests.declarations.conftest import attach_required_materials, fill_profile
from tests.factories import user_with_role
from tests.reviews.conftest import submitted, verify_all

pytestmark = pytest.mark.django_db
EVALUATION = {"members": 9, "for": 7, "against": 1, "abstain": 1}
# the page's own reads: one statement on PostgreSQL, a query per list elsewhere (config.json_rows); the
# session, and the user, roles and unread count from Redis when REDIS_URL is set, else a query each
QUERIES = ((1 if connection.vendor == "postgresql" else 10)
           + (0 if django_settings.SESSION_ENGINE.endswith("cached_db") else 1)
           + (0 if django_settings.REQUEST_CACHE else 3))
# a page whose rows changed since it was last shown: its digest, then its rows (config.fragments); unchanged, the digest
CHANGED = QUERIES + (1 if django_settings.PAGE_CACHE and connection.vendor == "postgresql" else 0)


def test_the_materials_show_their_kinds_names_from_the_rulebook_in_force(client, in_window, plan, applicant,
                                                                         people):
    """Each material under its kind's name in the material table in force for the declaration (its plan's region
    and year), not its code."""
    from titles.material_rules import kind_labels
    from titles.selectors import effective_material_rules

    declaration = submitted(applicant, plan)
    client.force_login(people["handler"])
    page = _page(client, declaration)
    materials = page.split("申报材料")[1].split("</table>")[0]
    labels = kind_labels(effective_material_rules(region_code=plan.organisation.region_code, year=declaration.year),
                         declaration.series.name)
    kinds = set(declaration.materials.values_list("kind", flat=True))
    assert kinds and all(f"<td>{labels[kind]}</td>" in materials for kind in kinds)
    assert not any(f"<td>{kind}</td>" in materials for kind in kinds)


def test_the_kinds_names_come_from_the_layers_of_the_declarations_region_and_year(client, in_window, plan,
                                                                                   applicant, people):
    """A layer of the plan's region and the declaration's year renames a kind: the page shows that name. The
    layers are chosen by the declaration's own region and year, whatever ids the layers have (they were once
    looked up by the declaration whose id equals the layer's, which showed the national names)."""
    from titles.models import RulebookVersion

    declaration = submitted(applicant, plan)
    kind = declaration.materials.order_by("kind").values_list("kind", flat=True)[0]
    for pk in (declaration.pk + 1000, declaration.pk + 1001):  # no declaration has these ids
        assert not Declaration.objects.filter(pk=pk).exists()
    RulebookVersion.objects.create(
        pk=declaration.pk + 1000, name="本地材料表", region_code=plan.organisation.region_code,
        year=declaration.year, version=1, status=RulebookVersion.Status.ACTIVE, eligibility={"name": "本地"},
        materials={"*": {kind: {"label": "本地名称甲"}}, declaration.series.name: {kind: {"label": "本地名称甲"}}})
    RulebookVersion.objects.create(
        pk=declaration.pk + 1001, name="他地材料表", region_code="990000", year=declaration.year, version=1,
        status=RulebookVersion.Status.ACTIVE, eligibility={"name": "他地"},
        materials={"*": {kind: {"label": "他地名称乙"}}, declaration.series.name: {kind: {"label": "他地名称乙"}}})
    client.force_login(people["handler"])
    materials = _page(client, declaration).split("申报材料")[1].split("</table>")[0]
    assert "<td>本地名称甲</td>" in materials and "他地名称乙" not in materials


def _untokened(page: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[A-Za-z0-9]+"', r"\1", page)


def _page(client, declaration):
    return client.get(f"/declarations/{declaration.pk}/").content.decode()


def test_the_page_is_one_query_with_a_recommendation_objections_and_decisions(client, in_window, plan,
                                                                             applicant, people, org_tree,
                                                                             django_assert_num_queries):
    """One query for the handler's page (with Redis): the same with a recommendation, objections, more
    decisions and verifications, and at a later step, whose deciding body (the department above the unit)
    the handler's actions never needed to look up."""
    declaration = submitted(applicant, plan)
    client.force_login(people["handler"])
    _page(client, declaration)  # the session, user and roles cached
    with django_assert_num_queries(QUERIES):
        page = _page(client, declaration)
    assert "暂无异议" not in page and "未审查" in page and "签署" in page
    set_quota(actor=people["dept"], plan_id=plan.pk, employer_id=org_tree["employer_a"].pk, level="intermediate",
              places=2)
    verify_all(declaration, people["handler"])
    take_action(actor=people["admin"], declaration_id=declaration.pk, action="recommend",
                payload={"evaluation": EVALUATION})
    record_objection(actor=people["admin"], declaration_id=declaration.pk, text="业绩材料与实际不符")
    record_objection(actor=people["admin"], declaration_id=declaration.pk, text="任职年限不足")
    with django_assert_num_queries(CHANGED):
        page = _page(client, declaration)
    with django_assert_num_queries(QUERIES):
        assert _untokened(_page(client, declaration)) == _untokened(page)  # each answer its own token
    publicity = page.split('data-testid="publicity"')[1].split("</section>")[0]
    assert "民主评议 9 人：赞成 7、反对 1、弃权 1" in publicity
    assert publicity.index("业绩材料与实际不符") < publicity.index("任职年限不足") and "待处理" in publicity
    assert page.count("属实 · 李经办") == declaration.materials.count() and "未审查" not in page
    timeline = page.split('data-testid="timeline"')[1]
    assert timeline.count("<li><time") == 2 and "李经办" not in timeline
    Declaration.objects.filter(pk=declaration.pk).update(state="department_review")  # no writer's hook: the digest
    with django_assert_num_queries(CHANGED):
        page = _page(client, declaration)
    assert 'data-testid="actions"' not in page and "主管部门审核" in page


def test_the_gate_answers_404_and_403_as_access_declaration(client, in_window, plan, applicant, people):
    from declarations.services import start_declaration

    draft = start_declaration(actor=applicant, plan_id=plan.pk, level="intermediate")
    client.force_login(people["handler"])
    assert client.get(f"/declarations/{draft.pk}/").status_code == 403  # staff see a declaration once submitted
    assert client.get(f"/declarations/{draft.pk + 1000}/").status_code == 404
    assert client.get(f"/declarations/{2**63}/").status_code == 404
    client.force_login(applicant)
    assert "继续填写" in _page(client, draft)
    fill_profile(applicant, series=plan.series)
    attach_required_materials(draft, applicant)
    declaration = take_action(actor=applicant, declaration_id=draft.pk, action="submit", payload={"pledge": True})
    for outsider in (people["other_handler"], people["other_bureau"],
                     user_with_role(Role.APPLICANT, declaration.employer)):
        client.force_login(outsider)
        assert client.get(f"/declarations/{declaration.pk}/").status_code == 403
    client.force_login(people["bureau"])  # above the unit: sees it, acts on nothing yet
    page = _page(client, declaration)
    assert applicant.real_name in page and 'data-testid="actions"' not in page


def test_without_decisions_the_timeline_shows_the_events(client, in_window, plan, applicant, people):
    """Declarations made before decisions were kept (and the bench's, made set-based) have only events."""
    from django.utils import timezone

    declaration = Declaration.objects.create(applicant=applicant, employer=people["handler"].memberships()[0]
                                             .organisation, plan=plan, year=2026, series=plan.series,
                                             level="intermediate", state="employer_review",
                                             submitted_at=timezone.now())
    record_event(actor=applicant, action="old_style_entry", obj=declaration)
    client.force_login(people["handler"])
    timeline = _page(client, declaration).split('data-testid="timeline"')[1].split("</ol>")[0]
    assert "old_style_entry" in timeline and "<time" not in timeline  # an action with no Chinese name: its code
    submitted_one = submitted(user_with_role(Role.APPLICANT, declaration.employer, real_name="王申报"), plan)
    record_event(actor=applicant, action="old_style_entry", obj=submitted_one)
    timeline = _page(client, submitted_one).split('data-testid="timeline"')[1].split("</ol>")[0]
    assert ('<span data-action="submit">提交申报</span>（草稿 → 单位审核）' in timeline  # the action in Chinese
            and "old_style_entry" not in timeline)


# --- the page kept as HTML under PostgreSQL's digest of its rows (config.fragments) ---------------------------------
kept = pytest.mark.skipif(not (django_settings.PAGE_CACHE and connection.vendor == "postgresql"),
                          reason="the page is kept only with Redis on PostgreSQL")


def _materials(page: str) -> str:
    return page.split('data-testid="materials"')[1].split("</table>")[0]


@kept
def test_the_kept_page_shows_every_change_whoever_writes_it(client, in_window, plan, applicant, people, org_tree,
                                                            django_assert_num_queries):
    """Rows changed without any of the application's writers (``QuerySet.update``, SQL), in the declaration's
    own tables and in others the page shows (the applicant's name, another applicant's identical file, the
    rulebook's names of the kinds): the next answer shows them, and the one after comes from the kept HTML."""
    from accounts.models import User
    from declarations.models import Material
    from titles.models import RulebookVersion

    declaration = submitted(applicant, plan)
    other = submitted(user_with_role(Role.APPLICANT, org_tree["employer_a"], real_name="王申报"), plan)
    with connection.cursor() as cursor:  # the fixtures' files are alike: the other applicant's made distinct
        cursor.execute(f"UPDATE {Material._meta.db_table} SET sha256 = md5(id::text) || md5(id::text) "
                       "WHERE declaration_id = %s", [other.pk])
    client.force_login(people["handler"])
    first = _page(client, declaration)
    with django_assert_num_queries(QUERIES):  # unchanged: the digest alone, the HTML kept
        assert _untokened(_page(client, declaration)) == _untokened(first)
    assert "预警" not in first and "张新名" not in first

    def shown_after(change):
        change()
        page = _page(client, declaration)
        with django_assert_num_queries(QUERIES):
            assert _untokened(_page(client, declaration)) == _untokened(page)
        return page

    User.objects.filter(pk=applicant.pk).update(real_name="张新名")
    assert "<dd>张新名</dd>" in shown_after(lambda: None)
    ours = declaration.materials.order_by("kind", "pk").first()
    theirs = other.materials.get(kind=ours.kind)

    def same_file():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {Material._meta.db_table} SET sha256 = %s WHERE id = %s", [ours.sha256, theirs.pk])

    assert _materials(shown_after(same_file)).count("相同文件出现在其他申报人的申报中") == 1
    layer = RulebookVersion.objects.create(
        name="本地材料表", region_code=plan.organisation.region_code, year=declaration.year, version=1,
        status=RulebookVersion.Status.ACTIVE, eligibility={"name": "本地"},
        materials={"*": {ours.kind: {"label": "本地名称甲"}}})
    assert "<td>本地名称甲</td>" in _materials(shown_after(lambda: None))
    RulebookVersion.objects.filter(pk=layer.pk).update(materials={"*": {ours.kind: {"label": "本地名称乙"}}})
    page = shown_after(lambda: None)
    assert "<td>本地名称乙</td>" in _materials(page) and "本地名称甲" not in page


@kept
def test_the_kept_page_is_the_viewers_own_with_the_requests_own_token(in_window, plan, applicant, people, org_tree):
    """The owner and the handler are kept apart (the owner sees no duplicate warning and no verification form);
    each answer's forms carry that request's CSRF token, which the form it posts is checked against."""
    from django.test import Client

    from declarations.models import Material

    declaration = submitted(applicant, plan)
    other = submitted(user_with_role(Role.APPLICANT, org_tree["employer_a"]), plan)
    ours = declaration.materials.order_by("kind", "pk").first()
    Material.objects.filter(pk=other.materials.get(kind=ours.kind).pk).update(sha256=ours.sha256)
    handler, owner = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    handler.force_login(people["handler"])
    owner.force_login(applicant)
    pages = {who: [_page(c, declaration) for _ in range(3)] for who, c in (("handler", handler), ("owner", owner))}
    for page in pages["handler"]:
        assert "相同文件出现在其他申报人的申报中" in page and 'name="verdict"' in page and "\x00" not in page
    for page in pages["owner"]:
        assert "相同文件出现在其他申报人的申报中" not in page and 'name="verdict"' not in page and "\x00" not in page
    tokens = []
    for page in pages["handler"]:
        header = re.search(r'X-CSRFToken": "([A-Za-z0-9]+)"', page).group(1)
        in_forms = set(re.findall(r'csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', page))
        assert in_forms == {header}  # one token a page, the page's own
        tokens.append(header)
    assert len(set(tokens)) == 3
    answer = handler.post(f"/reviews/materials/{ours.pk}/verify/",
                          {"verdict": "true", "comment": "", "csrfmiddlewaretoken": tokens[-1]})
    assert answer.status_code == 302
    shown = _page(handler, declaration)  # the message of the verification shown once: that page is not kept
    assert "属实 · 李经办" in _materials(shown) and 'class="messages"' in shown
    again = _page(handler, declaration)
    assert 'class="messages"' not in again and "属实 · 李经办" in _materials(again)


def test_the_pages_csrf_cookie_is_set_once_for_the_browsers_session_and_its_forms_post(in_window, plan, applicant,
                                                                                        people):
    """The declaration's page sets the CSRF cookie when the browser lacks it, as a browser-session cookie (no
    expiry: ``CSRF_COOKIE_AGE = None``), and does not send it again with each page (nothing to renew); the page's
    forms post with its token, at its first view and when kept."""
    from django.test import Client

    declaration = submitted(applicant, plan)
    handler = Client(enforce_csrf_checks=True)
    handler.force_login(people["handler"])
    answers = [handler.get(f"/declarations/{declaration.pk}/") for _ in range(3)]
    cookie = answers[0].cookies[django_settings.CSRF_COOKIE_NAME]
    assert cookie.value and not cookie["max-age"] and not cookie["expires"]
    assert all(a.status_code == 200 and django_settings.CSRF_COOKIE_NAME not in a.cookies for a in answers[1:])
    material = declaration.materials.order_by("kind", "pk").first()
    for answer in answers[1:]:
        token = re.search(r'csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', answer.content.decode()).group(1)
        posted = handler.post(f"/reviews/materials/{material.pk}/verify/",
                              {"verdict": "true", "comment": "", "csrfmiddlewaretoken": token})
        assert posted.status_code == 302


@kept
def test_the_kept_page_shows_the_viewers_own_header(client, in_window, plan, applicant, people):
    """The header is the viewer's: the name and the unread count as they are now, whoever else saw the page. A
    notification changes the badge of the page kept, which is still served (a handler is told of every
    submission to their unit: it retired all their pages when the count was part of the key)."""
    from accounts.notifications import mark_read, notify
    from config import fragments

    declaration = submitted(applicant, plan)
    client.force_login(people["handler"])
    mark_read(user=people["handler"])
    before = _page(client, declaration)
    assert 'data-testid="notifications">通知</a>' in before  # nothing unread: no badge
    entries = dict(fragments._kept)
    assert entries, "the page was kept"
    notify(recipients=[people["handler"]], key="test-header", title="测试通知")
    after = _page(client, declaration)
    assert 'data-testid="notifications">通知<span class="badge" aria-label="未读 1 条">1</span></a>' in after
    assert set(fragments._kept) == set(entries)  # no page kept under a new key
    assert all(fragments._kept[key] is entry for key, entry in entries.items())  # served kept, not made again
    assert _untokened(after).replace('<span class="badge" aria-label="未读 1 条">1</span>', "") == _untokened(before)
    people["handler"].real_name = "李新名"
    people["handler"].save(update_fields=["real_name"])  # the request cache follows a save
    assert '<span class="who" data-testid="current-user">李新名</span>' in _page(client, declaration)
    client.force_login(people["admin"])  # another of the unit's staff: their own header on the same rows
    page = _page(client, declaration)
    assert "李新名</span>" not in page and 'data-testid="current-user"' in page


@kept
def test_the_kept_page_is_read_with_the_session_and_the_user(client, in_window, plan, applicant, people, settings,
                                                              redis_commands):
    """The page kept for its viewer is read from Redis in the round trip of the session and the user
    (``accounts.request_cache.prefetch_with_user``): a page kept in Redis and not in this process's memory costs
    no round trip of its own, and a first view none for a page that is not there."""
    from config import fragments

    settings.REQUEST_CACHE = True
    declaration = submitted(applicant, plan)
    client.force_login(people["handler"])
    assert client.get("/notifications/").status_code == 200  # the signed hint of the user, their entries warmed
    client.get(f"/declarations/{declaration.pk + 100000}/")  # a page of another declaration: the process's prefetcher registered
    del redis_commands[:]
    first = _page(client, declaration)
    assert redis_commands == ["MGET", "SET"]  # the session, the user and (not there) the page; then the page kept
    fragments._kept.clear()  # as in another process
    del redis_commands[:]
    again = _page(client, declaration)
    assert redis_commands == ["MGET"]
    assert _untokened(again) == _untokened(first) and "审核" in again


@kept
def test_the_page_read_with_the_user_is_found_by_its_address_under_a_script_prefix():
    """The prefetcher takes the address without the script prefix (``request.path_info``), whatever the prefix
    the site is served under, and only a declaration's page."""
    from django.urls import get_script_prefix, set_script_prefix

    from config import fragments
    from declarations import views

    before = get_script_prefix()
    try:
        for prefix in ("/", "/zhicheng/"):
            set_script_prefix(prefix)
            views._detail_address.cache_clear()
            assert views._kept_page("/declarations/42/", 7) == [fragments.key("declaration", 42, 7)]
            assert views._kept_page("/declarations/42/edit/", 7) == []
            assert views._kept_page("/declarations/x/", 7) == []
            assert views._kept_page("/reviews/", 7) == []
    finally:
        set_script_prefix(before)
        views._detail_address.cache_clear()
