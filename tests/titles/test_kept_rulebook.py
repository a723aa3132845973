"""The self-check API keeps the rulebook in force in each process (titles.selectors.kept_rulebook) while the
rulebooks' version in the shared cache stays the same: no query once warm, and a changed rulebook (saved or
deleted by anyone, activated through the services, rewritten by a migration) decides the very next check."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from titles.models import RulebookVersion

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not settings.REDIS_URL, reason="the shared cache (REDIS_URL)")]
CASES = Path(__file__).resolve().parents[2].parent / "shared" / "cases" / "eligibility"
URL = "/api/v1/eligibility/check"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.REQUEST_CACHE = True


def _eligible(case) -> bool:
    response = Client().post(URL, data=case, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["eligible"]


def _case(name="p03_ban_party_warning.json"):
    return json.loads((CASES / name).read_text(encoding="utf-8"))


def _party_warning_months(months: int) -> dict:
    national = RulebookVersion.objects.get(region_code="", year=None, status="active")
    return dict(national.eligibility, ban_months=dict(national.eligibility["ban_months"], party_warning=months))


def test_a_warm_check_reads_no_rulebook(django_assert_num_queries):
    case = _case()
    first = Client().post(URL, data=case, content_type="application/json").json()
    with django_assert_num_queries(0):
        assert Client().post(URL, data=case, content_type="application/json").json() == first


def test_a_rulebook_activated_through_the_services_decides_the_next_check():
    from accounts.demo import load_demo
    from accounts.models import User
    from titles.services import activate_rulebook, copy_rulebook

    load_demo()
    case = _case()
    assert _eligible(case) is False and _eligible(case) is False  # the second from the kept rulebook
    sysadmin = User.objects.get(username="sysadmin")
    national = RulebookVersion.objects.get(region_code="", year=None, status="active")
    draft = copy_rulebook(actor=sysadmin, rulebook_id=national.pk)
    draft.eligibility = _party_warning_months(6)
    draft.save()
    assert _eligible(case) is False  # a draft is not in force
    activate_rulebook(actor=sysadmin, rulebook_id=draft.pk)
    assert _eligible(case) is True


def test_a_deleted_layer_stops_deciding_at_once():
    case = _case()
    national = RulebookVersion.objects.get(region_code="", year=None, status="active")
    newer = RulebookVersion.objects.create(name=national.name, version=national.version + 1, status="active",
                                           eligibility=_party_warning_months(6))
    assert _eligible(case) is True and _eligible(case) is True
    newer.delete()
    assert _eligible(case) is False


def test_a_migration_retires_the_kept_rulebooks():
    """Data migrations write with update() (no signals): every migrate replaces the rulebooks' version."""
    from django.core.management import call_command

    case = _case()
    assert _eligible(case) is False and _eligible(case) is False
    RulebookVersion.objects.filter(region_code="", year=None, status="active").update(
        eligibility=_party_warning_months(6))
    call_command("migrate", verbosity=0)
    assert _eligible(case) is True


def test_without_a_shared_cache_the_layers_are_read_each_time(settings):
    settings.REQUEST_CACHE = False
    case = _case()
    assert _eligible(case) is False
    RulebookVersion.objects.filter(region_code="", year=None, status="active").update(
        eligibility=_party_warning_months(6))
    assert _eligible(case) is True
