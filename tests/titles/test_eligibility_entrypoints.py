"""Every example case through both entry points: the command and POST /api/v1/eligibility/check."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.commands import run_command
from tests.factories import UserFactory
from titles.models import RulebookVersion

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT.parent / "shared" / "cases" / "eligibility"
CASE_FILES = sorted(p for p in CASES.glob("*.json") if not p.name.endswith(".expected.json"))
URL = "/api/v1/eligibility/check"

pytestmark = pytest.mark.django_db


def test_the_shared_cases_are_there():
    assert len(CASE_FILES) >= 6, f"no eligibility cases in {CASES}"


def _expected(path):
    return json.loads(path.with_name(path.name.replace(".json", ".expected.json")).read_text(encoding="utf-8"))


def _failed(verdict):
    return [c["rule"] for c in verdict["checks"] if not c["passed"]]


def _command(path):
    return run_command("check_eligibility", str(path))


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_through_the_command(path):
    expected = _expected(path)
    code, out, err = _command(path)
    if expected.get("error"):
        assert (code, out) == (2, "")
        assert err.count("\n") == 1 and err.startswith("错误：")
        return
    assert code == 0, err
    verdict = json.loads(out)
    assert verdict["eligible"] is expected["eligible"]
    assert _failed(verdict) == expected["failed"]
    assert verdict["eligible"] == all(c["passed"] for c in verdict["checks"])
    for check in verdict["checks"]:
        assert set(check) == {"rule", "passed", "source", "message", "values"}


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_through_the_api(client, path):
    client.force_login(UserFactory())
    expected = _expected(path)
    response = client.post(URL, data=path.read_text(encoding="utf-8"), content_type="application/json")
    if expected.get("error"):
        assert response.status_code == 400
        assert response.json()["errors"]
        return
    assert response.status_code == 200
    verdict = response.json()
    assert verdict["eligible"] is expected["eligible"]
    assert _failed(verdict) == expected["failed"]


def test_api_names_the_bad_field(client):
    client.force_login(UserFactory())
    body = json.loads((CASES / "p06_bad_level.json").read_text(encoding="utf-8"))
    errors = client.post(URL, data=body, content_type="application/json").json()["errors"]
    assert "target.level" in errors and "middle" in errors["target.level"]


@pytest.mark.parametrize("body", ["{not json", "[]", "null", '"text"', "{}"])
def test_api_bad_bodies_are_400_with_errors(client, body):
    client.force_login(UserFactory())
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"]


def test_api_non_json_body_is_415_with_errors(client):
    client.force_login(UserFactory())
    response = client.post(URL, data="as_of=2026", content_type="text/plain")
    assert response.status_code == 415 and "text/plain" in response.json()["errors"]["body"][0]


def test_api_is_public(client):
    response = client.post(URL, data=(CASES / "p01_regular_ok.json").read_text(), content_type="application/json")
    assert response.status_code == 200 and response.json()["eligible"] is True


def test_api_is_in_the_openapi_schema(client):
    client.force_login(UserFactory())
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200 and "/api/v1/eligibility/check" in schema.content.decode()


def test_command_bad_files_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    for path in (bad, tmp_path / "missing.json"):
        code, out, err = _command(path)
        assert code == 2 and out == "" and err.startswith("错误：") and err.count("\n") == 1


def test_a_regional_rulebook_changes_the_outcome(client):
    case = json.loads((CASES / "p02_tenure_short.json").read_text(encoding="utf-8"))
    client.force_login(UserFactory())
    assert client.post(URL, data=case, content_type="application/json").json()["eligible"] is False
    RulebookVersion.objects.create(
        name="某市 2026 年放宽", region_code="140400", year=2026, version=1, status="active",
        eligibility={"name": "长治市 2026 年规则库",
                     "tenure": {"intermediate": {"bachelor": {"basis": "assistant", "years": 3}}}},
    )
    case["region_code"] = "140400"
    verdict = client.post(URL, data=case, content_type="application/json").json()
    assert verdict["eligible"] is True
    tenure = next(c for c in verdict["checks"] if c["rule"] == "TENURE")
    assert "长治市 2026 年规则库" in tenure["source"]
    case["region_code"] = "140800"  # another city keeps the national numbers
    assert client.post(URL, data=case, content_type="application/json").json()["eligible"] is False


def test_the_national_rulebook_in_the_database_is_the_one_used(client):
    national = RulebookVersion.objects.get(region_code="", year=None, status="active")
    national.pk = None
    national.version += 1
    national.eligibility = dict(national.eligibility, ban_months=dict(national.eligibility["ban_months"],
                                                                      party_warning=6))
    national.save()
    case = json.loads((CASES / "p03_ban_party_warning.json").read_text(encoding="utf-8"))
    client.force_login(UserFactory())
    assert client.post(URL, data=case, content_type="application/json").json()["eligible"] is True


def test_real_process(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    ok = subprocess.run([sys.executable, "manage.py", "check_eligibility", str(CASES / "p02_tenure_short.json")],
                        cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert _failed(json.loads(ok.stdout)) == ["TENURE"]
    bad = subprocess.run([sys.executable, "manage.py", "check_eligibility", str(CASES / "p06_bad_level.json")],
                         cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and bad.stdout == "" and "target.level" in bad.stderr
    assert bad.stderr.count("\n") == 1


def test_a_bad_rulebook_version_is_refused_with_a_chinese_message():
    from django.core.exceptions import ValidationError

    version = RulebookVersion(name="错误", region_code="140400", year=2026, version=1,
                              eligibility={"ban_months": {"party_warning": -1}}, calendar={"nonsense": 1})
    with pytest.raises(ValidationError) as info:
        version.full_clean()
    assert set(info.value.message_dict) == {"eligibility", "calendar"}
