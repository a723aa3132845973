"""Browser tests: Playwright (Python) drives Debian's Chromium against pytest-django's live server."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--lang=zh-CN",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"找不到 Chromium（{CHROMIUM}）：请安装 Debian 的 chromium 软件包（.ci/run 会安装）")
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run beside one.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    # an assertion waits as long as an action (15 s, ``page``), not Playwright's 5 s: a loaded machine (CI beside
    # other work) answers slower; what is asserted does not change
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused = []  # what the Content-Security-Policy blocked: a page that needs it is broken
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert refused == [], refused


def sign_in(page, base_url, username, password):
    """Sign in as a user does; for a two-factor role, type the authenticator's current code too
    (a confirmed TOTP device is enrolled for the user first when there is none)."""
    from accounts.models import User
    from accounts.permissions import requires_two_factor

    user = User.objects.filter(username=username).first()
    two_factor = user is not None and user.check_password(password) and requires_two_factor(user)
    device = enrolled_device(user) if two_factor else None
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    if device is not None:
        page.wait_for_url("**/accounts/otp/**")
        page.fill("#id_token", totp_code(device))
        page.get_by_role("button", name="验证").click()


def enrolled_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)


def totp_code(device) -> str:
    """The device's current code; waits for the next time step when this one was used already."""
    import time

    from django_otp.oath import TOTP

    while True:
        device.refresh_from_db()
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        if totp.t() > device.last_t:
            return f"{totp.token():0{device.digits}d}"
        time.sleep(1)
