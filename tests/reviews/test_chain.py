"""The review chain end to end through the services, and the rules of each step."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Event
from declarations.models import Declaration, DeclarationVersion
from declarations.services import DeclarationError, InvalidInput, take_action
from reviews.models import CorrectionNotice, Decision, MaterialVerification, Recommendation
from reviews.selectors import version_diff
from reviews.services import record_objection, resolve_objection, set_quota, verify_material
from tests.reviews.conftest import move_to, submitted, verify_all

pytestmark = pytest.mark.django_db
EVALUATION = {"members": 9, "for": 7, "against": 1, "abstain": 1}


def act(actor, declaration, action, **payload):
    return take_action(actor=actor, declaration_id=declaration.pk, action=action, payload=payload)


def test_the_whole_chain_to_committee_review(settings, in_window, plan, applicant, people, org_tree):
    declaration = submitted(applicant, plan)
    set_quota(actor=people["dept"], plan_id=plan.pk, employer_id=org_tree["employer_a"].pk, level="intermediate",
              places=2)
    id_card = declaration.materials.get(kind="id_card")
    verify_material(actor=people["handler"], material_id=id_card.pk, verdict="wrong", comment="复印件不清晰")
    row = MaterialVerification.objects.get()
    assert row.signer_name == "李经办" and row.signed_at is not None
    declaration = act(people["handler"], declaration, "return",
                      items=[{"about": "material:id_card", "problem": "身份证复印件不清晰，请重新上传"}])
    assert declaration.state == "returned"
    notice = CorrectionNotice.objects.get()
    assert notice.returned_from == "employer_review" and notice.number == 1 and notice.deadline > date(2026, 9, 15)
    id_card.sha256 = "f" * 64
    id_card.save()
    declaration = act(applicant, declaration, "resubmit")
    assert declaration.state == "employer_review" and declaration.version == 2
    assert [v.number for v in DeclarationVersion.objects.filter(declaration=declaration)] == [1, 2]
    verify_all(declaration, people["handler"])
    declaration = act(people["admin"], declaration, "recommend", evaluation=EVALUATION)
    assert declaration.state == "unit_publicity"
    recommendation = Recommendation.objects.get()
    # 5 working days from Tue 09-15: 15–18, and Sunday 09-20, a make-up working day for National Day 2026
    assert recommendation.publicity_end == date(2026, 9, 20)
    with pytest.raises(DeclarationError) as info:
        act(people["admin"], declaration, "forward")
    assert info.value.rule == "PUBLICITY"
    move_to(settings, date(2026, 9, 21))
    declaration = act(people["admin"], declaration, "forward")
    assert declaration.state == "department_review"
    declaration = act(people["dept"], declaration, "pass", comment="材料齐全")
    assert declaration.state == "bureau_review"
    declaration = act(people["bureau"], declaration, "pass")
    assert declaration.state == "committee_review"
    decisions = list(Decision.objects.filter(declaration=declaration).values_list("action", "body__name"))
    assert decisions == [("submit", "甲单位"), ("return", "甲单位"), ("resubmit", "甲单位"),
                         ("recommend", "甲单位"), ("forward", "甲单位"), ("pass", "市住建局"), ("pass", "市人社局")]
    assert all(d.basis and "00" not in d.basis[:3] for d in Decision.objects.all())
    assert Event.objects.filter(object_id=str(declaration.pk), action="pass").count() == 2


def test_an_employer_directly_under_the_bureau_skips_the_department(settings, in_window, plan, org_tree, people):
    from accounts.models import Role
    from tests.factories import user_with_role

    applicant = user_with_role(Role.APPLICANT, org_tree["employer_b"])
    admin = user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_b"])
    declaration = submitted(applicant, plan)
    set_quota(actor=people["bureau"], plan_id=plan.pk, employer_id=org_tree["employer_b"].pk,
              level="intermediate", places=1)
    verify_all(declaration, admin)
    act(admin, declaration, "recommend", evaluation=EVALUATION)
    move_to(settings, date(2026, 9, 22))
    assert act(admin, declaration, "forward").state == "bureau_review"


def test_recommendation_needs_verified_materials_a_passing_evaluation_and_a_place(in_window, plan, applicant,
                                                                                   people, org_tree):
    declaration = submitted(applicant, plan)
    with pytest.raises(DeclarationError) as info:
        act(people["admin"], declaration, "recommend", evaluation=EVALUATION)
    assert info.value.rule == "EVALUATION" or info.value.rule == "MATERIALS_VERIFIED"
    verify_all(declaration, people["handler"])
    with pytest.raises(DeclarationError) as info:
        act(people["admin"], declaration, "recommend", evaluation=EVALUATION)
    assert info.value.rule == "QUOTA" and "尚未核定" in info.value.message
    set_quota(actor=people["dept"], plan_id=plan.pk, employer_id=org_tree["employer_a"].pk, level="intermediate",
              places=0)
    with pytest.raises(DeclarationError) as info:
        act(people["admin"], declaration, "recommend", evaluation=EVALUATION)
    assert info.value.rule == "QUOTA" and "已用完" in info.value.message
    with pytest.raises(DeclarationError) as info:
        act(people["admin"], declaration, "recommend", evaluation={"members": 9, "for": 4, "against": 5, "abstain": 0})
    assert info.value.rule == "EVALUATION"
    with pytest.raises(InvalidInput) as bad:
        act(people["admin"], declaration, "recommend", evaluation={"members": 3, "for": 3, "against": 3, "abstain": 0})
    assert "evaluation" in bad.value.errors
    assert Declaration.objects.get().state == "employer_review" and not Recommendation.objects.exists()


def test_a_return_lists_items_and_a_working_day_deadline(in_window, plan, applicant, people):
    declaration = submitted(applicant, plan)
    for payload, field in (({"items": []}, "items"), ({"items": [{"about": "x"}]}, "items.0" if False else "problem"),
                           ({"items": [{"about": "a", "problem": "b"}], "deadline": "2026-09-15"}, "deadline"),
                           ({"items": [{"about": "a", "problem": "b"}], "deadline": "2026-09-19"}, "deadline"),
                           ({"items": [{"about": "a", "problem": "b"}], "deadline": "2026-12-31"}, "deadline")):
        with pytest.raises(InvalidInput) as info:
            act(people["handler"], declaration, "return", **payload)
        assert field in info.value.errors, (payload, info.value.errors)
    assert Declaration.objects.get().state == "employer_review" and not CorrectionNotice.objects.exists()


def test_a_second_return_only_names_what_the_correction_changed(in_window, plan, applicant, people):
    declaration = submitted(applicant, plan)
    act(people["handler"], declaration, "return", items=[{"about": "material:id_card", "problem": "不清晰"}])
    material = declaration.materials.get(kind="id_card")
    material.sha256 = "e" * 64
    material.display_name = "身份证（新）.pdf"
    material.save()
    act(applicant, declaration, "resubmit")
    with pytest.raises(DeclarationError) as info:
        act(people["handler"], declaration, "return", items=[{"about": "profile.career_start", "problem": "核对"}])
    assert info.value.rule == "RETURN_ONCE" and "申报材料 · 居民身份证" in info.value.message
    declaration = act(people["handler"], declaration, "return",
                      items=[{"about": "material:id_card", "problem": "仍不清晰"}])
    assert CorrectionNotice.objects.filter(returned_from="employer_review").count() == 2


def test_the_diff_of_two_versions_names_fields_and_materials():
    older = {"profile": {"career_start": "2015-07-01", "post_name": "设计"},
             "materials": [{"kind": "id_card", "name": "a.pdf", "sha256": "1"}]}
    newer = {"profile": {"career_start": "2015-08-01", "post_name": "设计"},
             "materials": [{"kind": "id_card", "name": "b.pdf", "sha256": "2"},
                           {"kind": "other", "name": "c.pdf", "sha256": "3"}]}
    diff = version_diff(older, newer)
    assert diff["fields"] == [{"about": "profile.career_start", "before": "2015-07-01", "after": "2015-08-01"}]
    assert [(m["about"], m["change"]) for m in diff["materials"]] == [("material:id_card", "replaced"),
                                                                        ("material:other", "added")]


def test_an_upheld_objection_ends_in_not_recommended_and_frees_the_place(in_window, plan, applicant, people,
                                                                         org_tree):
    declaration = submitted(applicant, plan)
    set_quota(actor=people["dept"], plan_id=plan.pk, employer_id=org_tree["employer_a"].pk, level="intermediate",
              places=1)
    verify_all(declaration, people["handler"])
    act(people["admin"], declaration, "recommend", evaluation=EVALUATION)
    objection = record_objection(actor=people["admin"], declaration_id=declaration.pk, text="业绩材料与实际不符")
    with pytest.raises(DeclarationError):
        act(people["admin"], declaration, "not_recommend", comment="直接不推荐")
    with pytest.raises(PermissionDenied):
        resolve_objection(actor=people["handler"], objection_id=objection.pk, upheld=True, reason="x")
    resolve_objection(actor=people["admin"], objection_id=objection.pk, upheld=True, reason="经核实，论文为代写")
    declaration.refresh_from_db()
    assert declaration.state == "not_recommended"
    assert Recommendation.objects.get().holds_place is False
    assert "论文为代写" in Decision.objects.filter(action="not_recommend").get().comment


def test_reject_needs_a_comment_and_basis(settings, in_window, plan, applicant, people, org_tree):
    declaration = submitted(applicant, plan)
    Declaration.objects.filter(pk=declaration.pk).update(state="bureau_review")
    with pytest.raises(InvalidInput) as info:
        act(people["bureau"], declaration, "reject", comment="不符合")
    assert "basis" in info.value.errors
    declaration = act(people["bureau"], declaration, "reject", comment="学历不符", basis="ELIGIBILITY EDUCATION")
    assert declaration.state == "rejected"
    assert Decision.objects.get(action="reject").basis == "ELIGIBILITY EDUCATION"


def test_the_api_verifies_materials_and_shows_the_return(client, in_window, plan, applicant, people):
    declaration = submitted(applicant, plan)
    material = declaration.materials.first()
    client.force_login(people["other_handler"])
    assert client.post(f"/api/v1/materials/{material.pk}/verify/", {"verdict": "true"},
                       content_type="application/json").status_code == 403
    client.force_login(people["handler"])
    bad = client.post(f"/api/v1/materials/{material.pk}/verify/", {"verdict": "maybe"},
                      content_type="application/json")
    assert bad.status_code == 400 and "verdict" in bad.json()["errors"]
    done = client.post(f"/api/v1/materials/{material.pk}/verify/", {"verdict": "matches_original"},
                       content_type="application/json")
    assert done.status_code == 201 and done.json()["verdict_display"] == "与原件相符"
    assert done.json()["signer_name"] == "李经办"
    assert client.post("/api/v1/materials/abc/verify/", {}).status_code == 404
    returned = client.post(f"/api/v1/declarations/{declaration.pk}/actions/return/",
                           {"items": [{"about": "material:id_card", "problem": "不清晰"}], "deadline": "2026-09-22"},
                           content_type="application/json")
    assert returned.status_code == 200, returned.content
    client.force_login(applicant)
    body = client.get(f"/api/v1/declarations/{declaration.pk}/").json()
    assert body["state"] == "returned" and body["returned_from"] == "employer_review"
    assert body["return_deadline"] == "2026-09-22" and body["return_items"][0]["problem"] == "不清晰"
    assert body["actions"] == ["withdraw", "resubmit"]


def test_a_return_through_the_api_keeps_names_of_materials_and_fields_as_their_codes(client, in_window, plan,
                                                                                   applicant, people):
    """The service, not the page's form, turns what the page shows into codes: an API client writing 居民身份证 or
    参加工作时间 gets the same notice as one writing material:id_card, and its own words stay as written."""
    declaration = submitted(applicant, plan)
    client.force_login(people["handler"])
    returned = client.post(f"/api/v1/declarations/{declaration.pk}/actions/return/",
                           {"items": [{"about": "居民身份证", "problem": "不清晰"},
                                      {"about": "参加工作时间", "problem": "与档案不符"},
                                      {"about": "其他", "problem": "请说明"}]},
                           content_type="application/json")
    assert returned.status_code == 200, returned.content
    notice = CorrectionNotice.objects.get(declaration=declaration)
    assert [item["about"] for item in notice.items] == ["material:id_card", "profile.career_start", "其他"]
    assert "1. 申报材料 · 居民身份证：不清晰；2. 档案 · 参加工作时间：与档案不符；3. 其他：请说明" in \
        Decision.objects.get(declaration=declaration, action="return").comment


def test_the_applicant_sees_the_correction_deadline_in_the_list(client, in_window, plan, applicant, people):
    declaration = submitted(applicant, plan)
    act(people["handler"], declaration, "return", items=[{"about": "material:id_card", "problem": "不清晰"},
                                                         {"about": "profile.post_name", "problem": "请填写"}],
        deadline="2026-09-22")
    client.force_login(applicant)
    html = client.get("/declarations/").content.decode()
    assert "补正期限 2026-09-22" in html and "共 2 项" in html
