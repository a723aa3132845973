import pytest

from committees.models import MeetingStatus
from declarations.flow import State
from tests.clients import SignedInClient

from .scoring_fixtures import members_of

pytestmark = pytest.mark.django_db


def _client(user):
    client = SignedInClient()
    client.force_login(user)
    return client


def test_the_meeting_runs_through_the_api(drawn, secretary, declarations):
    api = _client(secretary)
    base = f"/api/v1/meetings/{drawn.pk}"
    members = members_of(drawn)
    expert_api = _client(members[0].expert.user)
    assert expert_api.post(f"{base}/open/").status_code in (403, 404)
    assert api.post(f"{base}/open/").json()["status"] == MeetingStatus.OPEN
    for member in members[:3]:
        assert api.post(f"{base}/attendance/", {"member": member.pk, "present": True},
                        content_type="application/json").status_code == 200
    refused = api.post(f"{base}/ballot/open/")
    assert refused.status_code == 409 and refused.json()["rule"] == "MEETING_QUORUM"
    api.post(f"{base}/attendance/", {"member": members[3].pk, "present": True}, content_type="application/json")
    assert api.post(f"{base}/ballot/open/").json()["present"] == 4
    bad = expert_api.post(f"{base}/ballots/", {"declaration": declarations[0].pk, "choice": "maybe"},
                          content_type="application/json")
    assert bad.status_code == 400 and "choice" in bad.json()["errors"]
    for member in members[:4]:
        for declaration, choice in zip(declarations, ["for", "for" if member != members[3] else "against"],
                                       strict=True):
            answer = _client(member.expert.user).post(f"{base}/ballots/", {"declaration": declaration.pk,
                                                                          "choice": choice},
                                                      content_type="application/json")
            assert answer.status_code == 204 and not answer.content
    assert expert_api.get(f"{base}/tally/").json()["tallies"] == []
    assert api.get(f"{base}/tally/").json()["voted"] == {str(d.pk): 4 for d in declarations}
    assert len(api.post(f"{base}/ballot/close/").json()) == 2
    assert api.post(f"{base}/sign-off/").json()["signed_off_at"]
    assert api.post(f"{base}/close/").json()["status"] == MeetingStatus.CLOSED
    states = {d.pk: d.state for d in declarations}
    for d in declarations:
        d.refresh_from_db()
    assert [d.state for d in declarations] == [State.RESULTS_PUBLICITY, State.RESULTS_PUBLICITY]
    assert states  # were in committee_review
    decision = api.get(f"/api/v1/declarations/{declarations[0].pk}/").json()
    assert "pass_review" not in decision["actions"]


def test_the_schema_documents_the_work_endpoints(client, admin_user):
    client.force_login(admin_user)
    schema = client.get("/api/v1/schema/").content.decode()
    for path in ("/api/v1/meetings/{id}/ballots/", "/api/v1/meetings/{id}/ballot/open/", "/api/v1/scores/{id}/submit/",
                 "/api/v1/meetings/{id}/tally/", "/api/v1/meetings/{id}/sign-off/"):
        assert path in schema
