import pytest
from django.core.files.base import ContentFile

from accounts.errors import DomainError
from accounts.models import Role
from committees.models import Score
from committees.scoring import save_menu, save_score, submit_score, summary_for_expert
from committees.services import declare_recusal
from committees.voting import cast_ballot, open_ballot
from declarations.models import Material
from tests.clients import SignedInClient
from tests.factories import user_with_role

from .scoring_fixtures import DIMENSIONS, FULL, attend, members_of

pytestmark = pytest.mark.django_db


def _client(user):
    client = SignedInClient()
    client.force_login(user)
    return client


def _error(call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


def test_menu_weights_must_sum_to_100_and_only_the_bureau_edits(board, org_tree, menu):
    bureau = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    wrong = [dict(d) for d in DIMENSIONS]
    wrong[0]["weight"] = 15
    error = _error(save_menu, actor=bureau, series_id=board.series_id, level="intermediate", name="x", dimensions=wrong)
    assert "100%" in error.message
    menu.refresh_from_db()
    assert sorted(d.weight for d in menu.dimensions.all()) == [10, 20, 30, 40]
    assert menu.dimensions.get(dimension="skill").works_over_counts
    save_menu(actor=bureau, series_id=board.series_id, level="intermediate", name="新指标",
              dimensions=[{"dimension": "ability", "weight": 60, "max_points": 60},
                          {"dimension": "innovation", "weight": 40, "max_points": 40}])
    assert menu.history.count() == 2 and menu.dimensions.count() == 2
    expert_user = user_with_role(Role.EXPERT, org_tree["bureau"])
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        save_menu(actor=expert_user, series_id=board.series_id, level="intermediate", name="x", dimensions=DIMENSIONS)


def test_an_expert_sees_only_their_own_assignments_and_nothing_before_the_meeting_opens(
        drawn, secretary, declarations, meeting_plan, org_tree, civil):
    from committees.voting import open_meeting

    first = declarations[0]
    member = members_of(drawn)[0]
    client = _client(member.expert.user)
    assert client.get("/committees/workspace/").context["rows"] == []
    assert client.get(f"/committees/workspace/{first.pk}/").status_code == 404
    assert client.post("/api/v1/scores/", {"declaration": first.pk, "points": {"ability": 30}},
                       content_type="application/json").status_code == 404
    assert _error(save_score, actor=member.expert.user, declaration_id=first.pk, points=FULL).kind == "not_found"
    open_meeting(actor=secretary, meeting_id=drawn.pk)
    rows = client.get("/committees/workspace/").context["rows"]
    assert sorted(r.declaration_id for r in rows) == sorted(d.pk for d in declarations)
    # a declaration of another group or meeting is not theirs
    from .conftest import in_review

    other = in_review(meeting_plan, org_tree["employer_a"], specialty=civil)
    assert client.get(f"/committees/workspace/{other.pk}/").status_code == 404
    # an expert not drawn sees nothing at all
    stranger = user_with_role(Role.EXPERT, drawn.committee.office)
    assert _client(stranger).get("/committees/workspace/").context["rows"] == []
    assert _client(stranger).get(f"/committees/workspace/{first.pk}/").status_code == 404


def test_the_material_gate_admits_the_assigned_expert_only_while_the_meeting_runs(opened, declarations):
    first = declarations[0]
    material = Material(declaration=first, kind="education", display_name="学历证书.pdf",
                        content_type="application/pdf", size=8, sha256="0" * 64, uploaded_by=first.applicant)
    material.file.save("x.pdf", ContentFile(b"%PDF-1.4"), save=False)
    material.save()
    members = members_of(opened)
    answer = _client(members[0].expert.user).get(f"/declarations/materials/{material.pk}/")
    assert answer.status_code == 200 and "inline" in answer["Content-Disposition"]
    declare_recusal(actor=members[1].expert.user, member_id=members[1].pk, declaration_id=first.pk, reason="亲属")
    assert _client(members[1].expert.user).get(f"/declarations/materials/{material.pk}/").status_code == 403
    stranger = user_with_role(Role.EXPERT, opened.committee.office)
    assert _client(stranger).get(f"/declarations/materials/{material.pk}/").status_code == 403


def test_a_submitted_score_cannot_change_by_api_page_or_admin(opened, declarations, admin_client):
    first = declarations[0]
    user = members_of(opened)[0].expert.user
    client = _client(user)
    saved = client.post(f"/committees/workspace/{first.pk}/score/review/", {"points_ability": "30"},
                        HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "已自动保存" in saved.content.decode()
    bad = client.post(f"/committees/workspace/{first.pk}/score/review/", {"points_ability": "41"},
                      HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "未保存" in bad.content.decode() and "0–40" in bad.content.decode()
    incomplete = client.post(f"/committees/workspace/{first.pk}/score/review/submit/", follow=True)
    assert "请为" in incomplete.content.decode()
    answer = client.post("/api/v1/scores/", {"declaration": first.pk, "points": FULL, "comments": {"ability": "扎实"}},
                         content_type="application/json")
    assert answer.status_code == 200, answer.content
    score_id = answer.json()["id"]
    assert client.post(f"/api/v1/scores/{score_id}/submit/").json()["submitted"] is True
    # API
    again = client.post("/api/v1/scores/", {"declaration": first.pk, "points": {"ability": 1}},
                        content_type="application/json")
    assert again.status_code == 409 and again.json()["rule"] == "SCORE_SUBMITTED"
    assert client.post(f"/api/v1/scores/{score_id}/submit/").status_code == 409
    # page
    client.post(f"/committees/workspace/{first.pk}/score/review/", {"points_ability": "1"}, HTTP_HX_REQUEST="true")
    page = client.get(f"/committees/workspace/{first.pk}/").content.decode()
    assert "不可修改" in page and 'name="points_ability"' not in page
    # admin: read-only, no change form field, a POST changes nothing
    admin_page = admin_client.get(f"/admin/committees/score/{score_id}/change/")
    assert admin_page.status_code == 200 and 'name="points"' not in admin_page.content.decode()
    admin_client.post(f"/admin/committees/score/{score_id}/change/", {"points": '{"ability": 1}'})
    score = Score.objects.get(pk=score_id)
    assert score.points["ability"] == 35
    score.points = {"ability": 1}
    with pytest.raises(PermissionError):
        score.save()
    # another expert's score is not readable through the API
    other = _client(members_of(opened)[1].expert.user)
    assert other.get(f"/api/v1/scores/{score_id}/").status_code == 403
    listed = other.get("/api/v1/scores/").json()
    assert (listed["results"] if isinstance(listed, dict) else listed) == []


def test_others_scores_are_hidden_until_ones_own_is_submitted_then_only_averages(opened, declarations):
    first = declarations[0]
    a, b = (m.expert.user for m in members_of(opened)[:2])
    save_score(actor=a, declaration_id=first.pk, points=FULL)
    submit_score(actor=a, declaration_id=first.pk)
    save_score(actor=b, declaration_id=first.pk, points={**FULL, "ability": 25})
    assert summary_for_expert(b, first) is None
    page = _client(b).get(f"/committees/workspace/{first.pk}/").content.decode()
    assert "评分汇总" not in page
    submit_score(actor=b, declaration_id=first.pk)
    summary = summary_for_expert(b, first)
    assert summary.count == 2 and dict(summary.averages)["专业能力"] == 30
    page = _client(b).get(f"/committees/workspace/{first.pk}/").content.decode()
    assert "评分汇总" in page and "30.0" in page


def test_a_recused_expert_can_neither_score_nor_vote(opened, secretary, declarations):
    first = declarations[0]
    members = attend(opened, secretary, 5)
    recused = members[0]
    declare_recusal(actor=recused.expert.user, member_id=recused.pk, declaration_id=first.pk, reason="同一项目组")
    assert _error(save_score, actor=recused.expert.user, declaration_id=first.pk, points=FULL).kind == "not_found"
    client = _client(recused.expert.user)
    assert client.get(f"/committees/workspace/{first.pk}/").status_code == 404
    assert first.pk not in [r.declaration_id for r in client.get("/committees/workspace/").context["rows"]]
    open_ballot(actor=secretary, meeting_id=opened.pk)
    assert _error(cast_ballot, actor=recused.expert.user, meeting_id=opened.pk, declaration_id=first.pk,
                  choice="for").code == "EXPERT_DRAW"
    answer = client.post(f"/api/v1/meetings/{opened.pk}/ballots/", {"declaration": first.pk, "choice": "for"},
                         content_type="application/json")
    assert answer.status_code == 409
    # once a score is saved, recusal comes too late
    other = members[1]
    save_score(actor=other.expert.user, declaration_id=first.pk, points={"ability": 30})
    assert _error(declare_recusal, actor=other.expert.user, member_id=other.pk, declaration_id=first.pk,
                  reason="迟到的回避").code == "EXPERT_DRAW"


def test_the_bureau_edits_the_menu_on_its_page_and_others_may_not(board, org_tree):
    bureau = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    client = _client(bureau)
    url = f"/committees/indicators/?series={board.series_id}&level=intermediate"
    assert client.get(url).status_code == 200
    form = {"series": board.series_id, "level": "intermediate", "name": "工程系列中级评价指标",
            "use_ability": "on", "weight_ability": "70", "max_ability": "70",
            "use_skill": "on", "weight_skill": "20", "max_skill": "20", "works_skill": "on"}
    refused = client.post("/committees/indicators/", form, follow=True).content.decode()
    assert "权重之和应为 100%" in refused
    client.post("/committees/indicators/", {**form, "weight_skill": "30", "max_skill": "30"})
    from committees.models import IndicatorMenu

    menu = IndicatorMenu.objects.get(series=board.series, level="intermediate")
    assert {d.dimension: (d.weight, d.works_over_counts) for d in menu.dimensions.all()} == {
        "ability": (70, False), "skill": (30, True)}
    secretary = user_with_role(Role.COMMITTEE_SECRETARY, board.office)
    assert _client(secretary).get(url).status_code == 403


def test_the_workspace_list_costs_the_same_queries_for_two_or_eight_declarations(
        opened, declarations, meeting_plan, org_tree, civil, django_assert_max_num_queries):
    from committees.models import Assignment

    from .conftest import in_review

    user = members_of(opened)[0].expert.user
    client = _client(user)
    save_score(actor=user, declaration_id=declarations[0].pk, points=FULL)
    client.get("/committees/workspace/")
    with django_assert_max_num_queries(14) as small:
        assert len(client.get("/committees/workspace/").context["rows"]) == 2
    measured = len(small.captured_queries)  # read now: the next request resets the connection's log
    group = opened.groups.get()
    for _ in range(6):
        extra = in_review(meeting_plan, org_tree["employer_b"], specialty=civil)
        Assignment.objects.create(meeting=opened, group=group, declaration=extra, assigned_by=opened.created_by)
    client.get("/committees/workspace/")  # the new applicants' roles changed the roles cache's version: refill
    with django_assert_max_num_queries(measured):
        assert len(client.get("/committees/workspace/").context["rows"]) == 8


def test_an_autosave_that_read_the_draft_before_the_submission_cannot_overwrite_it(opened, declarations):
    """The draft's UPDATE holds the condition itself: a save that loaded the score before it was submitted
    changes nothing afterwards (the page's autosave racing the submit button)."""
    first = declarations[0]
    user = members_of(opened)[0].expert.user
    save_score(actor=user, declaration_id=first.pk, points=FULL)
    stale = Score.objects.get(declaration=first)
    submit_score(actor=user, declaration_id=first.pk)
    assert not Score.objects.filter(pk=stale.pk, submitted_at__isnull=True).update(points={"ability": 1})
    assert _error(save_score, actor=user, declaration_id=first.pk, points={"ability": 1}).code == "SCORE_SUBMITTED"
    score = Score.objects.get(pk=stale.pk)
    assert score.submitted and score.points == {k: float(v) for k, v in FULL.items()}
