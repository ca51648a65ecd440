"""A staff member's first admin sign-in with 2FA on, in a real browser: the enrolment link a manager
issued, the password, enrolment with the QR code (or the typed key), the code, then the admin — with
no console errors (CSP). And the takeover path: the published password alone gives no session and no
enrolment page."""

from base64 import b32decode

import pytest
from django.conf import settings
from django_otp.oath import totp

from accounts import two_factor
from testing.browser import live_app_env
from testing.daphne import start_daphne, stop_process

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def app_with_2fa():
    url, proc = start_daphne(live_app_env(settings.DATABASES["default"], ADMIN_REQUIRE_2FA="1"))
    yield url
    stop_process(proc)


def test_first_admin_sign_in_enrols_an_authenticator(app_with_2fa, staff_member, new_phone_page):
    token = two_factor.enrolment_link_issue(user=staff_member)
    page = new_phone_page()
    page.goto(two_factor.enrolment_url(token, base=app_with_2fa))
    page.wait_for_selector("#login-form")
    page.fill("input[name='username']", "desk")
    page.fill("input[name='password']", "desk-password-9")
    page.click("#login-form [type='submit']")

    page.wait_for_selector("#otp-qr svg")
    secret = page.inner_text("#otp-secret").strip()
    code = totp(b32decode(secret), step=30, t0=0, digits=6)
    page.fill("input[name='otp_token']", f"{code:06d}")
    page.click("#otp-enrol-form [type='submit']")

    page.wait_for_selector("#content-main")
    assert page.url.rstrip("/").endswith(settings.ADMIN_PATH.rstrip("/"))
    assert page.locator("#user-tools").count() == 1
    assert page.console_errors == []


def test_the_password_alone_gives_no_session_and_no_enrolment_page(
    app_with_2fa, staff_member, new_phone_page
):
    page = new_phone_page()
    page.goto(f"{app_with_2fa}/{settings.ADMIN_PATH}")
    page.fill("input[name='username']", "desk")
    page.fill("input[name='password']", "desk-password-9")
    page.click("#login-form [type='submit']")

    page.wait_for_selector(".errornote")
    assert "enrolment link" in page.inner_text(".errornote")
    assert page.locator("#otp-qr").count() == 0
    page.goto(f"{app_with_2fa}/{settings.ADMIN_PATH}otp/enrol/")
    assert page.locator("#otp-qr").count() == 0
    assert "/login/" in page.url
