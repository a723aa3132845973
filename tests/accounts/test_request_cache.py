"""The per-request cache of roles and the unread count (accounts/request_cache.py): it saves the queries,
and no permission or figure survives the change it depends on."""

import pytest
from django.db import connection, transaction
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


class _RolledBack(Exception):
    pass


def test_roles_read_inside_a_transaction_that_rolls_back_are_not_served_after_it(client, org_tree):
    """Inside its transaction a service sees its own uncommitted grant; the roles it read then must not outlive a
    rollback (the version the grant set is still current afterwards: nothing replaces it)."""
    from accounts.models import User

    admin = user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_a"])
    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    assert [m.role for m in User.objects.get(pk=person.pk).memberships()] == [Role.APPLICANT]
    with pytest.raises(_RolledBack), transaction.atomic():
        grant_role(actor=admin, user=person, organisation=org_tree["employer_a"], role=Role.EMPLOYER_HANDLER)
        inside = User.objects.get(pk=person.pk).memberships()
        assert {m.role for m in inside} == {Role.APPLICANT, Role.EMPLOYER_HANDLER}  # its own change, read
        raise _RolledBack
    assert [m.role for m in User.objects.get(pk=person.pk).memberships()] == [Role.APPLICANT]
    client.force_login(person)
    assert client.get("/reviews/").status_code == 403


def test_a_version_replaced_inside_a_transaction_keeps_nothing_until_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        request_cache.bump("zc:test:v")
        assert request_cache.cached("zc:test", "zc:test:v", lambda: "uncommitted") == "uncommitted"
        assert request_cache.cached("zc:test", "zc:test:v", lambda: "read again") == "read again"
        assert request_cache.current_version("zc:test:v") is None  # nothing kept in a process either
    assert request_cache.cached("zc:test", "zc:test:v", lambda: "committed") == "committed"
    assert request_cache.cached("zc:test", "zc:test:v", lambda: "not computed again") == "committed"
    assert request_cache.current_version("zc:test:v") is not None


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


# --- the signed-in user's row (accounts.middleware.AuthenticationMiddleware, request_cache.load_user) ------


def test_a_warm_request_reads_the_user_roles_and_unread_count_without_a_query(client, org_tree):
    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    notify(recipients=[person], key="t1", title="第一条")
    client.force_login(person)
    assert client.get("/titles/plans/").status_code == 200  # warm
    with CaptureQueriesContext(connection) as warm:
        html = client.get("/titles/plans/").content.decode()
    assert 'aria-label="未读 1 条"' in html and str(person) in html
    assert not any(table in _tables(warm) for table in ('"accounts_user"', "accounts_rolemembership",
                                                         "accounts_notification"))


def _deactivate(user):
    user.is_active = False
    user.save(update_fields=["is_active"])


def _new_password_elsewhere(user):
    from django.contrib.auth import get_user_model

    elsewhere = get_user_model().objects.get(pk=user.pk)
    elsewhere.set_password("Another-passw0rd-2026")
    elsewhere.save()


@pytest.mark.parametrize("change", [_deactivate, _new_password_elsewhere], ids=["deactivated", "new password"])
def test_a_change_of_the_user_signs_the_session_out_on_the_next_request(client, org_tree, change):
    """The user's row comes from the cache once warm; a deactivation or a new password set in another
    session replaces its version, so the next request sees it (Django's session check then signs out)."""
    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    client.force_login(person)
    assert client.get("/notifications/").status_code == 200
    assert client.get("/notifications/").status_code == 200  # the row now from the cache
    change(person)
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_signed_out_session_is_refused_at_once(client, org_tree):
    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    client.force_login(person)
    assert client.get("/notifications/").status_code == 200
    cookie = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    client.cookies["sessionid"] = cookie  # the cookie replayed after sign-out
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_name_change_shows_on_the_next_request(client, org_tree):
    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    client.force_login(person)
    client.get("/notifications/")
    person.real_name = "改名以后"
    person.save(update_fields=["real_name"])
    assert "改名以后" in client.get("/notifications/").content.decode()


def test_a_count_changed_during_the_request_is_read_again(org_tree):
    """The unread count is read ahead with the user's row; a request that marks its notifications read
    before the header is drawn shows the new count, not the one read ahead."""
    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    notify(recipients=[person], key="t1", title="第一条")
    assert unread_count(person) == 1  # stored in the cache
    from django.contrib.auth import get_user_model

    loaded = request_cache.load_user(person.pk, lambda: get_user_model().objects.get(pk=person.pk))
    mark_read(user=loaded)
    assert unread_count(loaded) == 0


# --- the verified two-factor device (accounts.middleware.OTPMiddleware, request_cache.otp_device) ----------


def _device_of(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.get(user=user)


def test_a_warm_request_of_a_bureau_reviewer_reads_the_device_without_a_query(client, org_tree):
    from django.core.cache import cache

    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    client.force_login(reviewer)  # signed in with a confirmed TOTP device (tests/clients.py)
    assert client.get("/reviews/").status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get("/reviews/").status_code == 200
    assert "otp_totp_totpdevice" not in _tables(warm)
    kept = cache.get(f"zc:otp:{request_cache._scope()}:{reviewer.pk}")
    assert kept is not None and "key" not in kept[1][1].__dict__  # the device kept without its secret


@pytest.mark.parametrize("change", ["deleted", "unconfirmed"])
def test_a_device_deleted_or_unconfirmed_stops_counting_on_the_next_request(client, org_tree, change):
    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    client.force_login(reviewer)
    assert client.get("/reviews/").status_code == 200
    assert client.get("/reviews/").status_code == 200  # the device now from the cache
    device = _device_of(reviewer)
    if change == "deleted":
        device.delete()
    else:
        device.confirmed = False
        device.save()
    response = client.get("/reviews/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/")


def test_a_device_of_another_user_does_not_verify_the_session(client, org_tree):
    """The session names a device that is not the user's (django-otp's own check, kept): not verified, from
    the cache or not."""
    from django_otp import DEVICE_ID_SESSION_KEY

    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    other = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    client.force_login(other)
    stranger = _device_of(other).persistent_id
    client.force_login(reviewer)
    for _ in range(2):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = stranger
        session.save()
        response = client.get("/reviews/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/")


def test_what_the_cache_misses_is_read_as_the_orm_reads_it(org_tree):
    """On a miss the user (ModelBackend.get_user) and their memberships (the related manager's query) are read
    by statements compiled once per process: the same rows (the memberships without their user, which
    ``memberships`` attaches: the test below), and an inactive user refused as the backend refuses them."""
    from django.contrib.auth.backends import ModelBackend

    from accounts.middleware import _backend_user
    from accounts.models import User

    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    RoleMembership.objects.create(user=handler, organisation=org_tree["employer_b"], role=Role.EMPLOYER_ADMIN)
    backend = ModelBackend()
    read = _backend_user(backend, handler.pk)
    assert read == backend.get_user(handler.pk) and read.password == handler.password
    assert _backend_user(backend, 987654321) is None
    with CaptureQueriesContext(connection) as queries:
        ours = read._read_memberships()
        assert all("user" not in m._state.fields_cache for m in ours) and [m.organisation.name for m in ours]
    assert len(queries) == 1
    theirs = list(handler.role_memberships.select_related("organisation").order_by("pk"))
    assert [(m.pk, m.role, m.organisation_id, m.organisation.name) for m in ours] == [
        (m.pk, m.role, m.organisation_id, m.organisation.name) for m in theirs] and len(ours) == 2
    User.objects.filter(pk=handler.pk).update(is_active=False)
    assert _backend_user(backend, handler.pk) is None is backend.get_user(handler.pk)


def test_the_roles_are_kept_without_their_user_and_read_back_with_it(org_tree):
    """The roles' entry holds the memberships and their organisations, not a second copy of the user (three quarters
    of the entry, half its reading); read back from the cache, each membership's user is the user itself, as the
    related manager gives it, and costs no query."""
    import pickle

    from django.core.cache import cache

    from accounts.models import User

    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    RoleMembership.objects.create(user=handler, organisation=org_tree["employer_b"], role=Role.EMPLOYER_ADMIN)
    key = f"zc:roles:{request_cache._scope()}:{handler.pk}"
    cache.delete(key)
    first = User.objects.get(pk=handler.pk)
    assert [m.user for m in first.memberships()] == [first, first]  # computed: the user set as well
    kept = cache.get(key)[1]
    assert len(kept) == 2 and all("user" not in m._state.fields_cache for m in kept)
    assert all("organisation" in m._state.fields_cache for m in kept)
    assert len(pickle.dumps(kept)) < 2 * len(pickle.dumps([m.organisation for m in kept]))
    again = User.objects.get(pk=handler.pk)
    with CaptureQueriesContext(connection) as queries:
        memberships = again.memberships()
        assert all(m.user is again for m in memberships)
        assert [m.organisation.name for m in memberships] == [org_tree["employer_a"].name, org_tree["employer_b"].name]
    assert not queries.captured_queries
