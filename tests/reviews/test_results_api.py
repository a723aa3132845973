"""The results API: the public 公示 and objections (rate-limited), the bureau's publications, approval,
filings, objection resolution and the report download; refusals in the API's one shape."""

import pytest
from django.test import Client, override_settings

from declarations.models import Declaration
from reviews.models import Objection
from tests.reviews.conftest import DAY_AFTER, LAST_DAY, move_to

pytestmark = pytest.mark.django_db


def _objection(publication, declaration, **fields):
    return {"publication": publication.pk, "declaration": declaration.pk, "text": "学历造假",
            "contact_name": "王某", "contact_email": "w@example.cn", **fields}


def test_the_public_reads_the_publicity_and_files_objections(publication, declarations):
    anonymous = Client()
    listed = anonymous.get("/api/v1/result-publicity/").json()
    assert listed[0]["id"] == publication.pk
    assert set(listed[0]["entries"][0]) == {"id", "name", "unit", "series", "specialty", "level"}
    bad = anonymous.post("/api/v1/result-objections/", _objection(publication, declarations[0], contact_email=""),
                         content_type="application/json")
    assert bad.status_code == 400 and "contact_phone" in bad.json()["errors"]
    done = anonymous.post("/api/v1/result-objections/", _objection(publication, declarations[0]),
                          content_type="application/json")
    assert done.status_code == 201 and Objection.objects.get().pk == done.json()["id"]
    assert anonymous.get("/api/v1/result-objections/").status_code == 403  # the list is the bureau's


@override_settings(RESULT_OBJECTION_RATE="1/min")
def test_public_objections_through_the_api_are_rate_limited(publication, declarations):
    anonymous = Client(REMOTE_ADDR="198.51.100.4")
    body = _objection(publication, declarations[0])
    assert anonymous.post("/api/v1/result-objections/", body, content_type="application/json").status_code == 201
    refused = anonymous.post("/api/v1/result-objections/", body, content_type="application/json")
    assert refused.status_code == 429 and "提交异议过于频繁" in str(refused.json()["errors"])


def test_the_bureau_resolves_approves_files_and_downloads_through_the_api(
        client, publication, declarations, bureau_user, settings, meeting_plan):
    Client().post("/api/v1/result-objections/", _objection(publication, declarations[1]),
                  content_type="application/json")
    client.force_login(bureau_user)
    objection = client.get("/api/v1/result-objections/").json()["results"][0]
    assert objection["contact_email"] == "w@example.cn"
    move_to(settings, LAST_DAY)
    early = client.post(f"/api/v1/result-publications/{publication.pk}/approve/", {"document_number": "文1号"},
                        content_type="application/json")
    assert early.status_code == 400 and "approved_on" in early.json()["errors"]
    resolved = client.post(f"/api/v1/result-objections/{objection['id']}/resolve/",
                           {"outcome": "dismissed", "reason": "经核实学历属实"}, content_type="application/json")
    assert resolved.status_code == 200 and resolved.json()["outcome"] == "dismissed"
    move_to(settings, DAY_AFTER)
    answer = client.post(f"/api/v1/result-publications/{publication.pk}/approve/", {"document_number": "文1号"},
                         content_type="application/json").json()
    assert sorted(answer["approved"]) == sorted(d.pk for d in declarations) and answer["refused"] == []
    detail = client.get(f"/api/v1/result-publications/{publication.pk}/").json()
    approval = detail["approvals"][0]
    assert approval["document_number"] == "文1号" and approval["filing"] is None
    filed = client.post(f"/api/v1/result-publications/{publication.pk}/filings/",
                        {"approval": approval["id"], "filed_with": "省人社厅", "filing_number": "备1号",
                         "filed_on": DAY_AFTER.isoformat()}, content_type="application/json")
    assert filed.status_code == 201
    again = client.post(f"/api/v1/result-publications/{publication.pk}/filings/",
                        {"approval": approval["id"], "filed_with": "省人社厅", "filing_number": "备2号",
                         "filed_on": DAY_AFTER.isoformat()}, content_type="application/json")
    assert again.status_code == 409 and again.json()["rule"] == "FILED"
    report = client.get(f"/api/v1/result-reports/{meeting_plan.pk}/?file=xlsx")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    assert Declaration.objects.filter(state="approved").count() == 2


def test_approve_through_the_declaration_endpoint_names_the_rule(client, publication, declarations, bureau_user):
    client.force_login(bureau_user)
    refused = client.post(f"/api/v1/declarations/{declarations[0].pk}/actions/approve/",
                          {"document_number": "文1号"}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["rule"] == "PROCEDURE_RESULTS"
    assert "人力资源社会保障部令第40号" in refused.json()["detail"]


def test_publishing_through_the_api(client, passed_meeting, bureau_user, secretary):
    client.force_login(secretary)
    assert client.post("/api/v1/result-publications/", {"meeting": passed_meeting.pk},
                       content_type="application/json").status_code == 403
    client.force_login(bureau_user)
    created = client.post("/api/v1/result-publications/", {"meeting": passed_meeting.pk},
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["working_days"] == 5


def test_the_api_masks_the_filers_phone(client, publication, declarations, bureau_user):
    Client().post("/api/v1/result-objections/", _objection(publication, declarations[0], contact_phone="13900001111"),
                  content_type="application/json")
    client.force_login(bureau_user)
    listed = client.get("/api/v1/result-objections/").content.decode()
    assert "13900001111" not in listed and "139****1111" in listed
