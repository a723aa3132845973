"""The committee office's pages, the bureau's discipline decision and the expert's recusal, as users see them."""

from datetime import date

from committees.models import Draw, Expert, Meeting, MeetingMember, MeetingStatus, Recusal
from tests.factories import user_with_role

from .conftest import MEETING_DAY


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_the_secretary_arranges_assigns_and_draws_on_the_pages(secretary, meeting_plan, declarations, experts, civil,
                                                               in_window, client):
    client.force_login(secretary)
    assert "评审会议与专家库" in client.get("/workspace/committee_secretary/").content.decode()
    assert client.get("/committees/office/").status_code == 200
    response = client.post("/committees/meetings/new/", {
        "plan": meeting_plan.pk, "name": "第一次评审会议", "held_on": MEETING_DAY.isoformat(), "place": "评审室",
        "methods": ["expert_review", "defence"]})
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/committees/meetings/{meeting.pk}/"
    response = client.post(f"/committees/meetings/{meeting.pk}/groups/", {
        "name": "土木工程组", "level": "intermediate", "specialty": civil.pk, "size": 5}, follow=True)
    assert "评审组已添加" in _messages(response)
    page = client.get(f"/committees/meetings/{meeting.pk}/").content.decode()
    assert all(f'value="{d.pk}"' in page for d in declarations)
    group = meeting.groups.get()
    response = client.post(f"/committees/meetings/{meeting.pk}/assignments/",
                           {"group": group.pk, "declarations": [d.pk for d in declarations]}, follow=True)
    assert "已分配" in _messages(response)
    response = client.post(f"/committees/meetings/{meeting.pk}/draw/", follow=True)
    assert "专家已抽取" in _messages(response)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAWN and MeetingMember.objects.filter(meeting=meeting).count() == 5
    page = response.content.decode()
    assert 'data-testid="replay">一致' in page
    draw = Draw.objects.get()
    detail = client.get(f"/committees/draws/{draw.pk}/").content.decode()
    assert draw.seed in detail and "结果一致" in detail and f"replay_draw {meeting.pk}" in detail


def test_a_refused_draw_says_why_with_its_document(ready_meeting, secretary, client):
    committee = ready_meeting.committee
    committee.filed_until = date(2026, 10, 31)
    committee.save(update_fields=["filed_until"])
    client.force_login(secretary)
    response = client.post(f"/committees/meetings/{ready_meeting.pk}/draw/", follow=True)
    text = _messages(response)
    assert "未办理" in text and "COMMITTEE_FILING" in text and "已过期" in text
    assert not Draw.objects.exists()


def test_the_secretary_adds_an_expert_to_the_pool(pool, secretary, board, civil, expert_employers, client, in_window):
    from accounts.models import Role

    account = user_with_role(Role.EXPERT, board.office, real_name="新专家")
    client.force_login(secretary)
    form = {"user": account.pk, "level": "senior", "specialties": [civil.pk], "employer": expert_employers[0].pk,
            "phone": "13912345678", "term_start": "2026-01-01", "term_end": "2025-12-31"}
    response = client.post(f"/committees/pools/{pool.pk}/", form)
    assert response.status_code == 400 and "聘任期截止日期不得早于起始日期" in response.content.decode()
    assert not Expert.objects.filter(user=account).exists()
    response = client.post(f"/committees/pools/{pool.pk}/", {**form, "term_end": "2028-12-31"})
    assert response.status_code == 302
    row = Expert.objects.get(user=account)
    assert row.series == board.series and list(row.specialties.all()) == [civil]
    assert pool.memberships.filter(expert=row, left_on__isnull=True).exists()


def test_breach_recorded_by_the_secretary_and_decided_by_the_bureau(experts, secretary, bureau_reviewer, client,
                                                                    in_window):
    row = experts[0]
    client.force_login(secretary)
    client.post(f"/committees/experts/{row.pk}/breaches/", {"breach": "评审期间泄露评审信息"})
    record = row.discipline_records.get()
    assert client.post(f"/committees/experts/{row.pk}/discipline/{record.pk}/",
                       {"decision": "bar"}).status_code == 403
    row.refresh_from_db()
    assert row.status == "active"  # the secretary may not decide
    client.force_login(bureau_reviewer)
    page = client.get(f"/committees/experts/{row.pk}/").content.decode()
    assert "作出决定" in page and "评审期间泄露评审信息" in page
    client.post(f"/committees/experts/{row.pk}/discipline/{record.pk}/", {"decision": "bar", "note": "终身禁入"})
    row.refresh_from_db()
    assert row.status == "barred"


def test_the_expert_declares_recusal_on_their_page(ready_meeting, secretary, declarations, client):
    from committees.services import draw_experts

    draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    Meeting.objects.filter(pk=ready_meeting.pk).update(status=MeetingStatus.OPEN)  # the scoring part opens it
    member = MeetingMember.objects.filter(meeting=ready_meeting).select_related("expert__user").first()
    client.force_login(member.expert.user)
    page = client.get("/committees/mine/").content.decode()
    assert ready_meeting.name in page and "声明回避" in page
    response = client.post(f"/committees/mine/{member.pk}/recuse/",
                           {"declaration": declarations[0].pk, "reason": "近亲属关系"}, follow=True)
    assert "已声明回避" in _messages(response)
    assert Recusal.objects.get().member == member
    assert "已回避" in response.content.decode()
