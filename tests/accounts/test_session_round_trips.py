"""A signed-in request reads its session and its user (row, roles, unread count) from Redis in one round trip,
helped by a cookie that names the user, signed with the session's key (accounts.middleware, USER_HINT_COOKIE;
accounts.session_cached_db). The cookie is only a hint: a forged, stale or foreign one never yields another
user, and the session's own checks (sign-out, a new password, a deactivation) hold as before."""

import pytest
from django.conf import settings
from django.core import signing
from django.core.cache import cache

from accounts import request_cache
from accounts.middleware import USER_HINT_COOKIE
from accounts.models import Role
from tests.factories import user_with_role

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.REDIS_URL, reason="sessions and users on Redis (REDIS_URL)"),
]
PAGE = "/notifications/"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.REQUEST_CACHE = True


@pytest.fixture
def person(org_tree):
    return user_with_role(Role.APPLICANT, org_tree["employer_a"])


def _signed_in(client, user):
    client.force_login(user)
    assert client.get(PAGE).status_code == 200  # sets the hint and warms the user's entries
    assert USER_HINT_COOKIE in client.cookies
    return client


def _warm_round_trips(client, redis_commands):
    del redis_commands[:]
    response = client.get(PAGE)
    assert response.status_code == 200
    return list(redis_commands), response


def test_a_warm_signed_in_page_makes_one_round_trip_to_redis(client, person, redis_commands):
    _signed_in(client, person)
    sent, response = _warm_round_trips(client, redis_commands)
    assert sent == ["MGET"], sent
    assert str(person) in response.content.decode()


def test_without_the_hint_the_session_and_the_user_are_two_round_trips(client, person, redis_commands):
    """The measure of the test above: the same page without the cookie (the path before it, and the fallback)."""
    _signed_in(client, person)
    del client.cookies[USER_HINT_COOKIE]
    del redis_commands[:]
    response = client.get(PAGE)
    assert response.status_code == 200 and str(person) in response.content.decode()
    assert redis_commands == ["GET", "MGET"], redis_commands
    assert USER_HINT_COOKIE in response.cookies  # and the hint is set again for the next request


def _hint(user_id, session_key):
    return signing.Signer(salt=f"accounts.middleware.user-hint:{session_key}").sign(str(user_id))


@pytest.mark.parametrize("forge", [
    lambda other, session_key: str(other.pk),                            # unsigned
    lambda other, session_key: f"{other.pk}:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # a made-up signature
    lambda other, session_key: _hint(other.pk, "another-session-key"),   # signed for another session
    lambda other, session_key: _hint(other.pk, session_key),             # signed with the secret key itself
], ids=["unsigned", "bad signature", "another session", "signed with the secret"])
def test_a_forged_hint_never_yields_another_user(client, person, org_tree, forge, redis_commands):
    other = user_with_role(Role.APPLICANT, org_tree["employer_b"])
    other.real_name = "另一个人"
    other.save(update_fields=["real_name"])
    _signed_in(client, other)  # the other user's entries are warm in Redis
    client.logout()
    _signed_in(client, person)
    client.cookies[USER_HINT_COOKIE] = forge(other, client.session.session_key)
    response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200 and str(person) in html and "另一个人" not in html
    assert response.wsgi_request.user.pk == person.pk
    assert response.cookies[USER_HINT_COOKIE].value == _hint(person.pk, client.session.session_key)


def test_a_hint_of_an_earlier_session_key_does_not_verify(client, person, redis_commands):
    """A new session of the same user (signed out and in again): the old hint is stale and replaced."""
    _signed_in(client, person)
    stale = client.cookies[USER_HINT_COOKIE].value
    client.logout()
    client.force_login(person)  # a new session key
    client.cookies[USER_HINT_COOKIE] = stale
    del redis_commands[:]
    response = client.get(PAGE)
    assert response.status_code == 200 and redis_commands[:2] == ["GET", "MGET"]
    assert response.cookies[USER_HINT_COOKIE].value != stale
    assert _warm_round_trips(client, redis_commands)[0] == ["MGET"]


def test_sign_out_removes_the_hint_and_a_replayed_pair_is_signed_out(client, person):
    _signed_in(client, person)
    session, hint = client.cookies["sessionid"].value, client.cookies[USER_HINT_COOKIE].value
    response = client.post("/accounts/logout/")
    assert response.cookies[USER_HINT_COOKIE].value == ""  # deleted
    client.cookies["sessionid"], client.cookies[USER_HINT_COOKIE] = session, hint  # both replayed
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("change", ["deactivate", "new password"])
def test_a_change_of_the_user_signs_the_hinted_session_out_at_once(client, person, change, redis_commands):
    from django.contrib.auth import get_user_model

    _signed_in(client, person)
    assert _warm_round_trips(client, redis_commands)[0] == ["MGET"]  # on the one-round-trip path
    elsewhere = get_user_model().objects.get(pk=person.pk)
    if change == "deactivate":
        elsewhere.is_active = False
    else:
        elsewhere.set_password("Another-passw0rd-2026")
    elsewhere.save()
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_session_missing_from_redis_is_read_from_the_database(client, person, redis_commands):
    _signed_in(client, person)
    cache.delete(client.session.cache_key)
    response = client.get(PAGE)
    assert response.status_code == 200 and response.wsgi_request.user.pk == person.pk
    assert cache.get(client.session.cache_key) is not None  # put back in Redis
    assert _warm_round_trips(client, redis_commands)[0] == ["MGET"]


def test_without_the_request_cache_no_hint_is_set_or_read(client, person, settings, redis_commands):
    settings.REQUEST_CACHE = False
    client.force_login(person)
    response = client.get(PAGE)
    assert response.status_code == 200 and USER_HINT_COOKIE not in response.cookies
    client.cookies[USER_HINT_COOKIE] = _hint(person.pk, client.session.session_key)
    sent, response = _warm_round_trips(client, redis_commands)
    assert sent == ["GET"] and response.wsgi_request.user.pk == person.pk  # the session alone
    assert not request_cache.enabled()


@pytest.mark.parametrize("role, browser_session", [(Role.APPLICANT, False), (Role.EMPLOYER_HANDLER, True)])
def test_the_sign_in_form_sets_the_hint_for_the_new_session(org_tree, role, browser_session, redis_commands):
    """Signed in as a user does (the form, a plain client): the hint comes with the new session's cookie and
    lives as long as it (a staff session ends with the browser, so does its hint)."""
    from django.test import Client


    user = user_with_role(role, org_tree["employer_a"])
    user.set_password("test-password-1")
    user.save()
    browser = Client()
    response = browser.post("/accounts/login/", {"username": user.username, "password": "test-password-1"})
    assert response.status_code == 302
    hint = response.cookies[USER_HINT_COOKIE]
    assert hint.value == _hint(user.pk, browser.cookies["sessionid"].value) and hint["httponly"]
    assert (hint["max-age"] == "") is browser_session
    page = "/workspace/employer_handler/" if browser_session else PAGE
    assert browser.get(page).status_code == 200
    del redis_commands[:]
    assert browser.get(page).status_code == 200
    assert redis_commands[0] == "MGET" and "GET" not in redis_commands, redis_commands


def test_a_verified_hint_is_remembered_and_a_forged_one_refused_each_time(client, person, org_tree, settings):
    """The hint's signature is checked once per session and process (``accounts.middleware._verified_hints``);
    a forged hint is never remembered, and a remembered one serves only under the secret key it was checked with."""
    from accounts import middleware

    _signed_in(client, person)
    key, hint = client.session.session_key, client.cookies[USER_HINT_COOKIE].value
    assert client.get(PAGE).wsgi_request.user.pk == person.pk  # the hint's first use: checked, then remembered
    assert middleware._verified_hints[(settings.SECRET_KEY, key, hint)] == person.pk
    other = user_with_role(Role.APPLICANT, org_tree["employer_b"])
    for _ in range(2):
        client.cookies[USER_HINT_COOKIE] = _hint(other.pk, "another-session-key")
        response = client.get(PAGE)
        assert response.wsgi_request.user.pk == person.pk
        assert (settings.SECRET_KEY, key, _hint(other.pk, "another-session-key")) not in middleware._verified_hints
    request = type("Request", (), {"COOKIES": {USER_HINT_COOKIE: hint}, "session": client.session})()
    assert middleware._hinted_user_id(request) == person.pk
    settings.SECRET_KEY = "another-secret-key-for-this-test-0123456789-abcdefghijklmnop"
    assert middleware._hinted_user_id(request) is None  # signed with the old key: checked again, refused


def test_the_session_hash_is_worked_out_once_per_password_and_secret(person, settings):
    from accounts.middleware import _session_auth_hash

    assert _session_auth_hash(person) == person.get_session_auth_hash()
    person.set_password("Another-passw0rd-2026")
    assert _session_auth_hash(person) == person.get_session_auth_hash()
    settings.SECRET_KEY = "another-secret-key-for-this-test-0123456789-abcdefghijklmnop"
    assert _session_auth_hash(person) == person.get_session_auth_hash()
