"""The committees API: meetings, groups, assignments and draws, with the one refusal shape."""

from committees.models import Draw, Meeting

from .conftest import MEETING_DAY, in_review


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_the_secretary_drives_a_meeting_through_the_api(secretary, meeting_plan, declarations, experts, civil,
                                                        in_window, client):
    client.force_login(secretary)
    response = post(client, "/api/v1/meetings/", {"plan": meeting_plan.pk, "name": "网络评审会议",
                                                  "held_on": MEETING_DAY.isoformat(), "online": True,
                                                  "methods": ["expert_review"]})
    assert response.status_code == 201, response.json()
    meeting = response.json()
    assert meeting["status"] == "planned" and meeting["committee"] == meeting_plan.committee_id
    url = f"/api/v1/meetings/{meeting['id']}/"
    group = post(client, url + "groups/", {"name": "土木工程组", "level": "intermediate", "size": 5,
                                           "specialty": civil.pk})
    assert group.status_code == 201
    assigned = post(client, url + "assignments/", {"group": group.json()["id"],
                                                   "declarations": [d.pk for d in declarations]})
    assert assigned.status_code == 201 and len(assigned.json()) == 2
    assert len(client.get(url + "assignments/").json()) == 2
    drawn = post(client, url + "draw/", {})
    assert drawn.status_code == 201
    [record] = drawn.json()
    assert record["replay"] == {"matches": True, "recomputed": record["result"]} and len(record["result"]) == 5
    assert client.get(url).json()["status"] == "drawn"
    assert client.get(url + "draws/").json()[0]["seed"] == record["seed"]
    assert client.get(f"/api/v1/draws/{record['id']}/").json()["replay"]["matches"] is True
    again = post(client, url + "draw/", {})
    assert again.status_code == 409 and again.json()["code"] == "MEETING_STATE"
    assert Draw.objects.count() == 1


def test_bad_input_is_a_400_naming_the_field_and_a_rule_a_409_naming_its_code(ready_meeting, secretary, client,
                                                                             meeting_plan, org_tree):
    client.force_login(secretary)
    bad = post(client, "/api/v1/meetings/", {"plan": meeting_plan.pk, "name": "会议", "held_on": "2026-13-01",
                                             "methods": ["dance"]})
    assert bad.status_code == 400 and {"held_on", "methods"} <= set(bad.json()["errors"])
    url = f"/api/v1/meetings/{ready_meeting.pk}/"
    assert post(client, url + "groups/", {"name": "组", "level": "senior", "size": 3}).status_code == 400
    even = post(client, url + "groups/", {"name": "偶数组", "level": "intermediate", "size": 4})
    assert even.status_code == 201  # sizes are checked against the rulebook at the draw
    empty = post(client, url + "draw/", {})
    assert empty.status_code == 400 and "偶数组" in empty.json()["errors"]["groups"]
    waiting = in_review(meeting_plan, org_tree["employer_b"])
    assert post(client, url + "assignments/", {"group": even.json()["id"], "declarations": [waiting.pk]}).status_code == 201
    refused = post(client, url + "draw/", {})
    body = refused.json()
    assert refused.status_code == 409 and body["rule"] == "COMMITTEE_SIZE_ODD"
    assert "人力资源社会保障部令第40号" in body["problems"][0]["document"]
    assert Meeting.objects.get(pk=ready_meeting.pk).status == "planned" and not Draw.objects.exists()


def test_the_schema_documents_the_committees_endpoints(client, admin_user):
    client.force_login(admin_user)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in ("/api/v1/meetings/", "/api/v1/meetings/{id}/draw/", "/api/v1/meetings/{id}/assignments/",
                 "/api/v1/meetings/{id}/groups/", "/api/v1/draws/{id}/", "/api/v1/assignments/"):
        assert path in paths, path
    assert "409" in paths["/api/v1/meetings/{id}/draw/"]["post"]["responses"]
