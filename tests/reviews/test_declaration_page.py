"""A declaration's page (``declarations.page``): the gate, and one query whatever the declaration holds (issue 20)."""

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
QUERIES = ((1 if connection.vendor == "postgresql" else 9)
           + (0 if django_settings.SESSION_ENGINE.endswith("cached_db") else 1)
           + (0 if django_settings.REQUEST_CACHE else 3))


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
    with django_assert_num_queries(QUERIES):
        page = _page(client, declaration)
    publicity = page.split('data-testid="publicity"')[1].split("</section>")[0]
    assert "民主评议 9 人：赞成 7、反对 1、弃权 1" in publicity
    assert publicity.index("业绩材料与实际不符") < publicity.index("任职年限不足") and "待处理" in publicity
    assert page.count("属实 · 李经办") == declaration.materials.count() and "未审查" not in page
    timeline = page.split('data-testid="timeline"')[1]
    assert timeline.count("<li><time") == 2 and "李经办" not in timeline
    Declaration.objects.filter(pk=declaration.pk).update(state="department_review")
    with django_assert_num_queries(QUERIES):
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
    assert "old_style_entry" in timeline and "<time" not in timeline
    submitted_one = submitted(user_with_role(Role.APPLICANT, declaration.employer, real_name="王申报"), plan)
    record_event(actor=applicant, action="old_style_entry", obj=submitted_one)
    timeline = _page(client, submitted_one).split('data-testid="timeline"')[1].split("</ol>")[0]
    assert "submit（草稿 → 单位审核）" in timeline and "old_style_entry" not in timeline
