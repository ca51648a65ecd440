"""The admin asks staff for a TOTP code: login with code, enrolment after the password, the
code-only step for staff signed in on the web, and the login throttle."""

import re
import time

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin_site import CODE_INVALID, CODE_REQUIRED, locked_message

ADMIN = f"/{settings.ADMIN_PATH}"
LOGIN = f"{ADMIN}login/"
ENROL = f"{ADMIN}otp/enrol/"
PASSWORD = "desk-password-9"


@pytest.fixture(autouse=True)
def require_2fa(settings):
    settings.ADMIN_REQUIRE_2FA = True


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


@pytest.fixture
def authenticator(staff_member):
    return TOTPDevice.objects.create(user=staff_member, name="phone", confirmed=True)


def sign_in(client, username="desk", password=PASSWORD, code="", **extra):
    data = {"username": username, "password": password, "otp_token": code, "next": ADMIN}
    return client.post(LOGIN, data, **extra)


def messages_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_staff_session_without_a_verified_code_cannot_open_the_admin(staff_member):
    client = Client()
    client.force_login(staff_member)

    response = client.get(ADMIN)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_password_and_a_valid_code_open_the_admin(staff_member, authenticator):
    client = Client()

    response = sign_in(client, code=code_for(authenticator))

    assert response.status_code == 302
    assert response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_the_password_alone_is_not_enough_for_staff_with_an_authenticator(
    staff_member, authenticator
):
    client = Client()

    response = sign_in(client)

    assert response.status_code == 200
    assert str(CODE_REQUIRED) in messages_of(response)
    assert client.get(ADMIN).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_is_refused(staff_member, authenticator):
    client = Client()
    wrong = f"{(int(code_for(authenticator)) + 1) % 1_000_000:06d}"

    response = sign_in(client, code=wrong)

    assert response.status_code == 200
    assert str(CODE_INVALID) in messages_of(response)
    assert "_auth_user_id" not in client.session


def test_staff_without_an_authenticator_enrol_after_the_password_and_are_then_verified(
    staff_member,
):
    client = Client()

    response = sign_in(client)

    assert response.status_code == 302
    assert response["Location"] == ENROL
    assert "_auth_user_id" not in client.session  # not signed in before the code is confirmed
    page = client.get(ENROL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    device = TOTPDevice.objects.get(user=staff_member, confirmed=False)
    assert re.search(r'<code id="otp-secret">[A-Z2-7]+</code>', html)

    confirmed = client.post(ENROL, {"otp_token": code_for(device)})

    assert confirmed.status_code == 302
    assert confirmed["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200
    device.refresh_from_db()
    assert device.confirmed is True


def test_a_wrong_enrolment_code_leaves_the_device_unconfirmed(staff_member):
    client = Client()
    sign_in(client)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=staff_member)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"

    response = client.post(ENROL, {"otp_token": wrong})

    assert response.status_code == 200
    assert str(CODE_INVALID) in messages_of(response)
    device.refresh_from_db()
    assert device.confirmed is False
    assert "_auth_user_id" not in client.session


def test_the_enrolment_page_needs_the_password_step_first(db):
    response = Client().get(ENROL)

    assert response.status_code == 302
    assert response["Location"] == LOGIN


def test_a_second_authenticator_cannot_be_added_with_the_password_alone(
    staff_member, authenticator
):
    client = Client()
    sign_in(client)  # refused: a code is required

    response = client.get(ENROL)

    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=staff_member).count() == 1


def test_staff_signed_in_on_the_web_only_give_the_code(staff_member, authenticator):
    client = Client()
    client.force_login(staff_member)

    page = client.get(LOGIN)
    response = client.post(LOGIN, {"otp_token": code_for(authenticator), "next": ADMIN})

    assert page.status_code == 200
    assert 'name="password"' not in page.content.decode()
    assert response.status_code == 302
    assert client.get(ADMIN).status_code == 200


def test_players_cannot_sign_in_to_the_admin(player):
    player.set_password("player-password-9")
    player.save()
    client = Client()

    response = sign_in(client, username="ann", password="player-password-9")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_after_five_failures_the_login_is_locked_for_that_username_and_ip(
    staff_member, authenticator
):
    client = Client()
    for _ in range(5):
        assert sign_in(client, password="wrong").status_code == 200

    locked = sign_in(client, code=code_for(authenticator))

    assert locked.status_code == 429
    assert locked_message(15 * 60) in messages_of(locked)
    assert "_auth_user_id" not in client.session
    other_ip = sign_in(Client(), code=code_for(authenticator), REMOTE_ADDR="198.51.100.20")
    assert other_ip.status_code == 302


def test_the_lock_lifts_after_the_lockout(staff_member, authenticator, settings):
    settings.ADMIN_LOGIN_LOCKOUT = 1
    client = Client()
    for _ in range(5):
        sign_in(client, password="wrong")

    time.sleep(1.1)

    assert sign_in(client, code=code_for(authenticator)).status_code == 302


def test_without_the_2fa_requirement_the_password_opens_the_admin(staff_member, settings):
    settings.ADMIN_REQUIRE_2FA = False
    client = Client()

    response = sign_in(client)

    assert response.status_code == 302
    assert client.get(ADMIN).status_code == 200


def test_every_apps_models_are_registered_on_the_artel_site():
    from django.contrib import admin

    from accounts.admin_site import ArtelAdminSite

    assert isinstance(admin.site, ArtelAdminSite)
    assert any(model._meta.label == "games.Tariff" for model in admin.site._registry)
    assert any(model._meta.label == "otp_totp.TOTPDevice" for model in admin.site._registry)
