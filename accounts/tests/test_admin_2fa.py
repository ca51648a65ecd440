"""The admin asks staff for a TOTP code: login with code, enrolment only through a one-time link a
manager issued (then the password), the code-only step for staff signed in on the web, a manager's
reset, and the login throttle."""

import re
import time

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.admin_site import (
    CODE_INVALID,
    CODE_REQUIRED,
    ENROL_LINK_INVALID,
    NOT_ENROLLED,
    locked_message,
)
from accounts.models import EnrolmentLink

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


def open_link(client, user) -> str:
    """A manager issued a link for `user`, who opens it in this browser."""
    token = two_factor.enrolment_link_issue(user=user)
    client.get(two_factor.enrolment_url(token, base=""))
    return token


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


def test_staff_without_an_authenticator_enrol_with_a_link_and_the_password_then_are_verified(
    staff_member,
):
    client = Client()
    open_link(client, staff_member)

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
    open_link(client, staff_member)
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


# --- enrolment needs a link a manager issued (issue 15: the published-password takeover) ----------


def test_the_password_alone_never_reaches_the_enrolment_page(staff_member):
    client = Client()

    response = sign_in(client)

    assert response.status_code == 200
    assert str(NOT_ENROLLED) in messages_of(response)
    assert "_auth_user_id" not in client.session
    enrol = client.get(ENROL)
    assert enrol.status_code == 302 and enrol["Location"] == LOGIN
    assert not TOTPDevice.objects.filter(user=staff_member).exists()
    assert client.get(ADMIN).status_code == 302


def test_staff_signed_in_on_the_web_without_an_authenticator_need_a_link_too(staff_member):
    client = Client()
    client.force_login(staff_member)

    page = client.get(LOGIN)

    assert page.status_code == 403
    assert str(NOT_ENROLLED) in messages_of(page)
    assert client.get(ENROL).status_code == 302
    assert not TOTPDevice.objects.filter(user=staff_member).exists()


def test_a_link_signed_in_on_the_web_leads_straight_to_the_enrolment_page(staff_member):
    client = Client()
    client.force_login(staff_member)
    token = two_factor.enrolment_link_issue(user=staff_member)

    response = client.get(two_factor.enrolment_url(token, base=""))

    assert response.status_code == 302 and response["Location"] == ENROL
    assert client.get(ENROL).status_code == 200


def test_an_enrolment_link_works_once(staff_member):
    client = Client()
    token = open_link(client, staff_member)
    sign_in(client)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=staff_member, confirmed=False)
    assert client.post(ENROL, {"otp_token": code_for(device)}).status_code == 302
    device.delete()  # even with the authenticator gone, the used link opens nothing

    again = Client()
    response = again.get(two_factor.enrolment_url(token, base=""))

    assert str(ENROL_LINK_INVALID) in messages_of(again.get(response["Location"]))
    assert str(NOT_ENROLLED) in messages_of(sign_in(again))
    assert EnrolmentLink.objects.get(user=staff_member).used_at is not None


def test_an_expired_enrolment_link_opens_nothing(staff_member, settings):
    settings.ADMIN_ENROL_LINK_HOURS = 0
    client = Client()
    open_link(client, staff_member)

    response = sign_in(client)

    assert str(NOT_ENROLLED) in messages_of(response)
    assert client.get(ENROL).status_code == 302


def test_a_new_link_replaces_the_old_one(staff_member):
    old = two_factor.enrolment_link_issue(user=staff_member)
    new = two_factor.enrolment_link_issue(user=staff_member)

    assert two_factor.enrolment_link_valid(old) is None
    assert two_factor.enrolment_link_valid(new) is not None


def test_a_link_opened_for_someone_else_does_not_let_another_account_enrol(staff_member, manager):
    client = Client()
    open_link(client, manager)  # the manager's link, opened in the desk's browser

    response = sign_in(client)  # the desk's password

    assert str(NOT_ENROLLED) in messages_of(response)
    assert not TOTPDevice.objects.filter(user=staff_member).exists()


def test_a_manager_issues_a_link_and_resets_two_factor_in_the_admin(
    staff_member, manager, settings
):
    settings.ADMIN_REQUIRE_2FA = False
    TOTPDevice.objects.create(user=staff_member, name="lost phone", confirmed=True)
    client = Client()
    client.force_login(manager)
    changelist = f"{ADMIN}accounts/user/"

    reset = client.post(
        changelist, {"action": "reset_two_factor", "_selected_action": [staff_member.pk]}
    )
    issued = client.post(
        changelist,
        {"action": "issue_enrolment_link", "_selected_action": [staff_member.pk]},
        follow=True,
    )

    assert reset.status_code == 302
    assert not TOTPDevice.objects.filter(user=staff_member).exists()
    link = EnrolmentLink.objects.get(user=staff_member)
    assert link.issued_by == manager
    token = re.search(r"otp/enrol/([A-Za-z0-9_-]{20,})/", issued.content.decode()).group(1)
    assert two_factor.enrolment_link_valid(token) == link


def test_the_command_prints_a_link_that_opens_the_enrolment(staff_member):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("twofactor_link", "desk", stdout=out)

    token = re.search(r"otp/enrol/([A-Za-z0-9_-]{20,})/", out.getvalue()).group(1)
    assert two_factor.enrolment_link_valid(token).user == staff_member
