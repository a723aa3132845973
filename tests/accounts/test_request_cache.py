"""The per-request cache of roles and the unread count (accounts/request_cache.py): it saves the queries,
and no permission or figure survives the change it depends on."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import request_cache
from accounts.models import Role, RoleMembership
from accounts.notifications import mark_read, notify, unread_count
from accounts.services import grant_role, revoke_role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.REQUEST_CACHE = True


def _tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


def test_the_second_request_reads_roles_and_unread_count_from_the_cache(client, org_tree):
    from django.core.cache import cache

    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    client.force_login(handler)
    cache.delete_many([f"zc:roles:{request_cache._scope()}:{handler.pk}",
                       f"zc:unread:{request_cache._scope()}:{handler.pk}"])
    with CaptureQueriesContext(connection) as first:
        assert client.get("/reviews/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get("/reviews/").status_code == 200
    assert "accounts_rolemembership" in _tables(first) and "accounts_notification" in _tables(first)
    assert "accounts_rolemembership" not in _tables(second) and "accounts_notification" not in _tables(second)
    assert len(second) <= len(first) - 2


def test_a_revoked_role_is_refused_on_the_next_request(client, org_tree):
    admin = user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_a"])
    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    client.force_login(handler)
    assert client.get("/reviews/").status_code == 200
    assert client.get("/reviews/").status_code == 200  # now from the cache
    revoke_role(actor=admin, membership=RoleMembership.objects.get(user=handler))
    assert client.get("/reviews/").status_code == 403


def test_a_granted_role_counts_on_the_next_request(client, org_tree):
    admin = user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_a"])
    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    client.force_login(person)
    assert client.get("/reviews/").status_code == 403
    assert client.get("/reviews/").status_code == 403
    grant_role(actor=admin, user=person, organisation=org_tree["employer_a"], role=Role.EMPLOYER_HANDLER)
    assert client.get("/reviews/").status_code == 200


def test_any_membership_or_organisation_change_replaces_the_roles_version(org_tree):
    from django.core.cache import cache

    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    versions = [cache.get(request_cache.roles_version())]
    RoleMembership.objects.create(user=person, organisation=org_tree["employer_b"], role=Role.APPLICANT)
    versions.append(cache.get(request_cache.roles_version()))
    org_tree["employer_a"].parent = org_tree["bureau"]
    org_tree["employer_a"].save()
    versions.append(cache.get(request_cache.roles_version()))
    RoleMembership.objects.filter(user=person).first().delete()
    versions.append(cache.get(request_cache.roles_version()))
    assert None not in versions[1:] and len(set(versions)) == 4


def test_an_entry_computed_before_the_commit_is_not_served_after_it():
    """A reader that read the database before a revocation committed stores the old roles under the
    version of that moment; the bump after the commit makes that entry unreachable."""
    assert request_cache.cached("zc:test", "zc:test:v", lambda: "before the commit") == "before the commit"
    request_cache.bump("zc:test:v")
    assert request_cache.cached("zc:test", "zc:test:v", lambda: "after") == "after"
    assert request_cache.cached("zc:test", "zc:test:v", lambda: "not computed again") == "after"


def test_the_unread_count_follows_notify_and_read(client, org_tree):
    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    assert unread_count(person) == 0
    notify(recipients=[person], key="t1", title="第一条")
    notify(recipients=[person], key="t2", title="第二条")
    assert unread_count(person) == 2
    client.force_login(person)
    assert 'aria-label="未读 2 条"' in client.get("/notifications/").content.decode()
    mark_read(user=person)
    assert unread_count(person) == 0


def test_without_a_shared_cache_nothing_is_kept(settings, org_tree):
    from django.core.cache import cache

    settings.REQUEST_CACHE = False
    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    assert unread_count(person) == 0
    assert cache.get(f"zc:unread:{request_cache._scope()}:{person.pk}") is None


def test_a_new_unit_under_the_bureau_is_in_its_queue_at_once(client, org_tree, plan):
    from django.utils import timezone

    from declarations.models import Declaration
    from tests.factories import OrganisationFactory

    client.force_login(user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"]))
    assert 'data-state="employer_review"' not in client.get("/reviews/").content.decode()
    assert 'data-state="employer_review"' not in client.get("/reviews/").content.decode()  # ids cached
    unit = OrganisationFactory(name="新设单位", parent=org_tree["bureau"])
    person = user_with_role(Role.APPLICANT, unit)
    Declaration.objects.create(applicant=person, employer=unit, plan=plan, year=plan.year, series=plan.series,
                               level="intermediate", state="employer_review", submitted_at=timezone.now())
    assert "新设单位" in client.get("/reviews/").content.decode()
