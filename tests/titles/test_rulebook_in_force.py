"""The rulebook in force is parsed once per process for each set of layers, and never served stale: a layer
activated, retired or changed in place is what the next read (the next submit) uses (issue 20)."""

import pytest

from accounts.models import Role
from declarations.models import Declaration
from tests.declarations.conftest import attach_required_materials, fill_profile
from tests.factories import user_with_role
from titles.material_rules import DEFAULT_MATERIAL_RULES, overlay_material_rules
from titles.models import RulebookVersion
from titles.selectors import effective_material_rules, effective_rulebook, rulebook_for

pytestmark = pytest.mark.django_db
REGION = "140400"


def _layer(version, name, **fields):
    return RulebookVersion.objects.create(name=name, region_code=REGION, year=2026, version=version,
                                          status=RulebookVersion.Status.ACTIVE, eligibility={"name": name}, **fields)


def test_the_same_layers_are_parsed_once(django_assert_num_queries):
    _layer(1, "长治市 2026 年规则库")
    first = effective_rulebook(region_code=REGION, year=2026)
    with django_assert_num_queries(1):  # which layers, with their fingerprints; no JSON, no parsing
        again = rulebook_for(region_code=REGION, year=2026)
    assert again.eligibility is first and first.name == "长治市 2026 年规则库"
    assert [layer["region_code"] for layer in again.summary] == ["", REGION]


def test_a_new_version_or_a_change_in_place_is_used_by_the_next_read():
    old = _layer(1, "第一版")
    assert effective_rulebook(region_code=REGION, year=2026).name == "第一版"
    RulebookVersion.objects.filter(pk=old.pk).update(status=RulebookVersion.Status.RETIRED)
    new = _layer(2, "第二版", citations={"TENURE": "第二版文件"})
    in_force = rulebook_for(region_code=REGION, year=2026)
    assert in_force.eligibility.name == "第二版" and in_force.citations["TENURE"] == "第二版文件"
    assert in_force.summary[-1]["version"] == 2
    # the same row changed in place (same id, same version, same transaction): its fingerprint differs
    RulebookVersion.objects.filter(pk=new.pk).update(eligibility={"name": "第二版（订正）"},
                                                     citations={"TENURE": "订正文件"})
    in_force = rulebook_for(region_code=REGION, year=2026)
    assert in_force.eligibility.name == "第二版（订正）" and in_force.citations["TENURE"] == "订正文件"
    RulebookVersion.objects.filter(pk=new.pk).update(status=RulebookVersion.Status.RETIRED)
    assert rulebook_for(region_code=REGION, year=2026).eligibility.name != "第二版（订正）"


def test_the_material_table_is_overlaid_without_changing_what_it_overlays():
    before = {series: {code: dict(kind) for code, kind in kinds.items()} for series, kinds in
              DEFAULT_MATERIAL_RULES.items()}
    table = overlay_material_rules(DEFAULT_MATERIAL_RULES, {"*": {"other": None, "id_card": {"label": "身份证"}},
                                                            "工程": {"drawings": {"label": "图纸"}}})
    assert DEFAULT_MATERIAL_RULES == before
    assert "other" not in table["*"] and table["*"]["id_card"]["label"] == "身份证"
    assert table["*"]["id_card"]["required"] is True and table["工程"]["drawings"]["code"] == "drawings"
    _layer(1, "长治", materials={"工程": {"drawings": {"label": "图纸", "required": True}}})
    assert "drawings" in effective_material_rules(region_code=REGION, year=2026)["工程"]
    assert DEFAULT_MATERIAL_RULES == before


def test_a_submit_uses_the_material_table_activated_after_the_previous_submit(client, in_window, plan, org_tree):
    """Two drafts of the same plan: the first submits; the bureau then requires one more material; the second,
    with the materials that sufficed before, is refused for the new one (the next submit reads the change)."""
    def draft(name):
        applicant = user_with_role(Role.APPLICANT, org_tree["employer_a"], username=name)
        fill_profile(applicant, series=plan.series)
        declaration = Declaration.objects.create(applicant=applicant, employer=org_tree["employer_a"], plan=plan,
                                                 year=plan.year, series=plan.series, level="intermediate")
        attach_required_materials(declaration, applicant)
        return applicant, declaration

    region = plan.organisation.region_code
    drafts = [draft("rulebook-first"), draft("rulebook-second")]
    for applicant, declaration in drafts[:1]:
        client.force_login(applicant)
        response = client.post(f"/api/v1/declarations/{declaration.pk}/actions/submit/", {"pledge": True},
                               content_type="application/json")
        assert response.status_code == 200, response.content
    RulebookVersion.objects.create(name="补充材料", region_code=region, year=plan.year, version=1,
                                   status=RulebookVersion.Status.ACTIVE,
                                   materials={plan.series.name: {"drawings": {"label": "工程图纸", "required": True}}})
    applicant, declaration = drafts[1]
    client.force_login(applicant)
    response = client.post(f"/api/v1/declarations/{declaration.pk}/actions/submit/", {"pledge": True},
                           content_type="application/json")
    assert response.status_code == 409 and "工程图纸" in response.json()["detail"]
