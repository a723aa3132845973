"""One client address for the lockout and the event log; X-Forwarded-For only from trusted proxies."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.utils import timezone

from accounts.client_ip import client_ip
from accounts.models import Event, Role
from tests.factories import review_plan, user_with_role

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
CLIENT = "203.0.113.9"
OTHER_CLIENT = "198.51.100.23"


def _request(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize("trusted, remote, forwarded, expected", [
    ([], CLIENT, "1.2.3.4", CLIENT),                                   # no proxy configured: header ignored
    ([PROXY], CLIENT, "1.2.3.4", CLIENT),                              # forged by a client that is not a proxy
    ([PROXY], PROXY, CLIENT, CLIENT),                                  # behind the proxy
    ([PROXY], PROXY, f"6.6.6.6, {CLIENT}", CLIENT),                     # the client's own forgery on the left
    (["10.0.0.0/8"], PROXY, f"{CLIENT}, 10.1.2.3", CLIENT),             # two proxies of a trusted network
    ([PROXY], PROXY, "", PROXY),                                       # proxy without a header
    ([PROXY], PROXY, "not-an-address", PROXY),                         # garbage: the proxy's own address
    ([PROXY], "garbage", CLIENT, None),
    (["2001:db8::/32"], "2001:db8::1", "2001:db8:ffff::1, 2a00::7", "2a00::7"),
])
def test_client_ip(settings, trusted, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = trusted
    assert client_ip(_request(remote, forwarded)) == expected


def _sign_in(client, username, password, remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_five_wrong_passwords_lock_that_account_from_that_address_only(client, org_tree, settings):
    victim = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    neighbour = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, victim.username, "wrong", CLIENT).status_code == 200
    before = timezone.now()
    response = _sign_in(client, victim.username, "wrong", CLIENT)
    assert response.status_code == 429
    page = response.content.decode()
    assert "账号已暂时锁定" in page and victim.username in page
    ends = {timezone.localtime(before + timedelta(minutes=30) + timedelta(seconds=s)).strftime("%Y年%-m月%-d日 %H:%M")
            for s in (0, 60)}
    assert any(f"将于 <strong>{end}</strong>" in page for end in ends), page
    # the right password from the same address is still refused
    assert _sign_in(client, victim.username, "test-password-1", CLIENT).status_code == 429
    assert "_auth_user_id" not in client.session
    # another user from the same address signs in
    assert _sign_in(client, neighbour.username, "test-password-1", CLIENT).status_code == 302
    client.logout()
    # the same account from another address signs in
    assert _sign_in(client, victim.username, "test-password-1", OTHER_CLIENT).status_code == 302


def test_behind_a_trusted_proxy_the_lockout_sees_each_client(client, org_tree, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    user = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _sign_in(client, user.username, "wrong", PROXY, forwarded=f"6.6.6.6, {CLIENT}")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT}
    # same proxy, another client: not locked out
    assert _sign_in(client, user.username, "test-password-1", PROXY, forwarded=OTHER_CLIENT).status_code == 302


def test_a_forged_forwarded_header_from_a_non_proxy_does_not_dodge_the_lockout(client, org_tree, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    user = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = _sign_in(client, user.username, "wrong", CLIENT, forwarded=f"192.0.2.{n + 1}")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT}


@pytest.mark.parametrize("remote, forwarded, logged", [
    (PROXY, f"6.6.6.6, {CLIENT}", CLIENT),   # behind the proxy: the client's address
    (CLIENT, "6.6.6.6", CLIENT),             # a forged header from elsewhere is ignored
])
def test_the_event_log_records_the_client_address(client, org_tree, settings, remote, forwarded, logged):
    settings.TRUSTED_PROXIES = [PROXY]
    bureau_user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    plan = review_plan(org_tree["bureau"])
    client.force_login(bureau_user)
    response = client.post(f"/api/v1/plans/{plan.pk}/publish/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 200
    assert Event.objects.get(action="publish_plan").ip_address == logged
