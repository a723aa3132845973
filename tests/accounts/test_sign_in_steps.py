"""等保 level 3 (GB/T 22239-2019): password rules, staff two-factor sign-in with recovery codes, the
idle timeout and sign-out on browser close, security headers, and `check --deploy` with the
production settings of the README. These tests sign in as a user does (plain django.test.Client)."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import LAST_ACTIVITY_KEY
from accounts.models import Event, Role
from tests.factories import UserFactory, user_with_role

PASSWORD = "test-password-1"
ROOT = Path(__file__).resolve().parents[2]


def current_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, user, **extra):
    return client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}, **extra)


@pytest.mark.parametrize("password, message", [
    ("Ab1-xyz", "太短"),
    ("abcdefghijk", "至少 3 类"),
    ("abcdefgh123", "至少 3 类"),
    ("zhang.wei.2026", "用户名"),
])
@pytest.mark.django_db
def test_weak_passwords_are_refused_in_chinese(password, message):
    user = UserFactory(username="zhang.wei")
    with pytest.raises(ValidationError) as refusal, translation.override("zh-hans"):
        validate_password(password, user)
    assert any(message in text for text in refusal.value.messages), refusal.value.messages


@pytest.mark.django_db
def test_a_password_of_three_classes_not_like_the_username_is_accepted():
    validate_password("Taihang-2026", UserFactory(username="zhang.wei"))
    validate_password("zhicheng-demo-2026", UserFactory(username="applicant"))  # the demo password


# --- two-factor sign-in ---------------------------------------------------------------------------

@pytest.fixture
def reviewer(org_tree):
    user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)
    return user, device


@pytest.mark.django_db
def test_bureau_reviewer_is_asked_for_the_code_after_the_password(reviewer):
    user, device = reviewer
    client = Client()
    response = sign_in(client, user)
    assert response.status_code == 302
    target = client.get("/", follow=True)
    assert target.redirect_chain[-1][0].startswith("/accounts/otp/")
    assert "输入动态验证码" in target.content.decode()
    assert client.get("/workspace/bureau_reviewer/").status_code == 302
    api = client.get("/api/v1/plans/")
    assert api.status_code == 403 and "动态验证码" in api.json()["errors"]["detail"][0]
    assert api.json()["code"] == "sign_in_incomplete"

    wrong = client.post("/accounts/otp/", {"token": "000000", "next": "/workspace/bureau_reviewer/"})
    assert wrong.status_code == 200 and "不正确" in wrong.content.decode()
    time.sleep(1.1)  # django-otp throttles: after one wrong code the next try waits a second
    code = current_code(device)
    right = client.post("/accounts/otp/", {"token": code, "next": "/workspace/bureau_reviewer/"})
    assert right.status_code == 302 and right["Location"] == "/workspace/bureau_reviewer/"
    assert client.get("/workspace/bureau_reviewer/").status_code == 200
    assert client.get("/api/v1/plans/").status_code == 200

    # the code was used: seen over someone's shoulder, it does not work again
    replay = Client()
    sign_in(replay, user)
    assert replay.post("/accounts/otp/", {"token": code}).status_code == 200
    assert replay.get("/workspace/bureau_reviewer/").status_code == 302


@pytest.mark.django_db
def test_handlers_and_applicants_sign_in_with_the_password_only(org_tree):
    for role in (Role.EMPLOYER_HANDLER, Role.APPLICANT):
        client = Client()
        sign_in(client, user_with_role(role, org_tree["employer_a"]))
        assert client.get(f"/workspace/{role}/").status_code == 200


@pytest.mark.django_db
def test_first_sign_in_enrols_an_authenticator_and_hands_out_recovery_codes(org_tree):
    user = user_with_role(Role.DEPT_REVIEWER, org_tree["dept"])
    client = Client()
    sign_in(client, user)
    setup = client.get("/accounts/otp/", follow=True)
    assert setup.redirect_chain[-1][0].startswith("/accounts/otp/setup/")
    page = setup.content.decode()
    assert "otpauth://totp/" in page and "<svg" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/accounts/otp/setup/", {"token": "123456"}).status_code == 200
    done = client.post("/accounts/otp/setup/", {"token": current_code(device), "next": "/"})
    codes = re.findall(r"<li>([a-z0-9]{8})</li>", done.content.decode())
    assert len(codes) == 10
    assert Event.objects.filter(action="enroll_two_factor", object_id=str(user.pk)).exists()
    assert client.get("/workspace/dept_reviewer/").status_code == 200

    later = Client()  # a recovery code stands in for the authenticator, once
    sign_in(later, user)
    assert later.post("/accounts/otp/", {"token": codes[0]}).status_code == 302
    assert later.get("/workspace/dept_reviewer/").status_code == 200
    again = Client()
    sign_in(again, user)
    assert again.post("/accounts/otp/", {"token": codes[0]}).status_code == 200
    assert again.get("/workspace/dept_reviewer/").status_code == 302


# --- sessions -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_staff_are_signed_out_after_the_idle_timeout(org_tree, settings):
    settings.SESSION_IDLE_MINUTES = 30
    client = Client()
    sign_in(client, user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"]))
    assert client.get("/workspace/employer_handler/").status_code == 200
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/workspace/employer_handler/").status_code == 200  # 29 minutes: still signed in
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/workspace/employer_handler/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "30 分钟未操作" in response.content.decode()


@pytest.mark.django_db
def test_staff_sessions_end_with_the_browser_applicants_keep_theirs(org_tree):
    staff, applicant = Client(), Client()
    signed_in = sign_in(staff, user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"]))
    assert signed_in.cookies["sessionid"]["expires"] == ""  # from the very first cookie
    sign_in(applicant, user_with_role(Role.APPLICANT, org_tree["employer_a"]))
    assert signed_in.cookies["sessionid"]["max-age"] == ""
    assert staff.get("/workspace/employer_handler/").status_code == 200
    assert staff.cookies["sessionid"]["expires"] == ""
    assert applicant.cookies["sessionid"]["expires"] != ""
    applicant.get("/workspace/applicant/")
    session = applicant.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - 3 * 3600
    session.save()
    assert applicant.get("/workspace/applicant/").status_code == 200


# --- headers and deployment -----------------------------------------------------------------------

@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_and_no_inline_script(client, org_tree):
    client.force_login(user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"]))
    assert Client().get("/accounts/login/")["Content-Security-Policy"]
    for path in ("/workspace/bureau_reviewer/", "/titles/plans/", "/titles/eligibility/",
                 "/titles/catalogue/", "/accounts/password/"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
        assert response["X-Frame-Options"] == "DENY"
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html and " on" + "click=" not in html, path


def _manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


def test_check_deploy_is_clean_with_the_production_settings_of_the_readme():
    production = {"DEBUG": "false", "SECRET_KEY": "k3J9-zq" * 10, "HTTPS": "true",
                  "ALLOWED_HOSTS": "zhicheng.example.gov.cn", "CSRF_TRUSTED_ORIGINS": "https://zhicheng.example.gov.cn"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **production)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    plain_http = _manage("check", "--deploy", **{**production, "HTTPS": "false"})
    assert "SECURE_HSTS_SECONDS" in plain_http.stderr + plain_http.stdout
