"""/login/: the Telegram Login Widget and Google, end to end, with the providers faked."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from social_django.models import UserSocialAuth

from accounts.errors import MSG_TELEGRAM_IN_USE
from accounts.models import User
from accounts.pipeline import MSG_IDENTITY_IN_USE
from accounts.tests.conftest import google_sign_in, make_init_data, make_widget_data
from accounts.tests.factories import GoogleIdentityFactory, TelegramIdentityFactory, UserFactory

pytestmark = pytest.mark.django_db


def session_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def widget_callback(client, data: dict, *, page: str = "/login/"):
    """Open the page showing the widget (it puts the state in the session), then come back from
    Telegram to the callback URL the widget was given."""
    html = client.get(page).content.decode()
    match = re.search(r'data-auth-url="http://testserver(/login/telegram/[^/"]+/)"', html)
    assert match, "the page shows no Telegram widget"
    return client.get(match.group(1), data)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the page ---------------------------------------------------------------------------------


def test_login_page_offers_the_telegram_widget_and_google(client, bot_token, fake_google):
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-telegram-login="artel_test_bot"' in html
    assert "https://telegram.org/js/telegram-widget.js" in html
    assert re.search(r'data-auth-url="http://testserver/login/telegram/[\w-]{20,}/"', html)
    assert 'action="/login/google-oauth2/"' in html
    assert "csrfmiddlewaretoken" in html


def test_login_page_without_providers_says_so(client, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    settings.TELEGRAM_BOT_USERNAME = ""
    settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = ""
    response = client.get("/login/")
    assert response.status_code == 200
    assert 'id="no-providers"' in response.content.decode()


def test_signed_in_user_on_login_page_goes_to_the_profile(client):
    client.force_login(UserFactory())
    response = client.get("/login/")
    assert response.status_code == 302
    assert response["Location"] == "/profile/"


def test_google_login_cannot_start_with_get(client, fake_google):
    response = client.get("/login/google-oauth2/")
    assert response.status_code == 405
    assert fake_google.requests == []


def test_google_login_post_needs_the_csrf_token(fake_google):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/google-oauth2/")
    assert response.status_code == 403


# --- Telegram Login Widget --------------------------------------------------------------------


def test_widget_sign_in_creates_the_account_and_session(client, bot_token):
    data = make_widget_data(id=4242, first_name="Oleg", username="oleg_k")
    response = widget_callback(client, data)
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = session_user(client)
    assert user.telegram_id == 4242
    assert user.first_name == "Oleg"
    assert user.groups.filter(name="player").exists()
    assert UserSocialAuth.objects.get(provider="telegram", uid="4242").user == user


def test_widget_and_mini_app_are_the_same_account(client, api_client, bot_token):
    widget_callback(client, make_widget_data(id=1001, first_name="Ann"))
    web_user = session_user(client)
    response = api_client.post(
        "/api/auth/telegram/", {"init_data": make_init_data()}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["user"]["id"] == web_user.pk
    assert User.objects.filter(telegram_id=1001).count() == 1
    assert UserSocialAuth.objects.filter(provider="telegram").count() == 1


def test_mini_app_then_widget_is_the_same_account(client, api_client, bot_token):
    mini = api_client.post("/api/auth/telegram/", {"init_data": make_init_data()}, format="json")
    widget_callback(client, make_widget_data(id=1001, first_name="Ann"))
    assert session_user(client).pk == mini.json()["user"]["id"]
    assert User.objects.count() == 1


def test_a_bare_social_callback_is_refused(client, bot_token):
    """Without the per-session state, a link made by someone else signs nobody in."""
    response = client.get("/complete/telegram/", make_widget_data(id=4242))
    assert response.status_code == 302
    assert session_user(client) is None
    assert not User.objects.filter(telegram_id=4242).exists()


def test_a_callback_with_a_foreign_state_is_refused(client, bot_token):
    client.get("/login/")
    response = client.get("/login/telegram/attacker-state/", make_widget_data(id=4242))
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert session_user(client) is None
    assert "could not be verified" in messages_of(response)[0]


def test_a_signed_in_victim_cannot_be_linked_to_the_attackers_telegram(client, bot_token):
    victim = UserFactory(username="victim")
    client.force_login(victim)
    client.get("/profile/")
    response = client.get("/complete/telegram/", make_widget_data(id=6666))
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.telegram_id is None
    assert not UserSocialAuth.objects.filter(provider="telegram").exists()


def test_widget_with_a_bad_hash_signs_nobody_in(client, bot_token):
    data = make_widget_data(id=4242)
    data["first_name"] = "Mallory"
    response = widget_callback(client, data)
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert session_user(client) is None
    assert "could not be verified" in messages_of(response)[0]
    assert not User.objects.filter(telegram_id=4242).exists()


def test_widget_with_an_old_auth_date_is_refused(client, bot_token):
    response = widget_callback(
        client, make_widget_data(id=4242, auth_date=int(time.time()) - 90000)
    )
    assert response.status_code == 302
    assert session_user(client) is None


def test_widget_for_an_inactive_user_is_refused_with_a_message(client, bot_token):
    identity = TelegramIdentityFactory(tg_id=4242)
    User.objects.filter(pk=identity.user.pk).update(is_active=False)
    response = widget_callback(client, make_widget_data(id=4242))
    assert response.status_code == 302
    assert session_user(client) is None
    assert "disabled" in messages_of(response)[0]


def test_linking_telegram_that_belongs_to_someone_else_is_refused(client, bot_token):
    owner = TelegramIdentityFactory(tg_id=4242).user
    me = UserFactory(username="me")
    client.force_login(me)
    response = widget_callback(client, make_widget_data(id=4242), page="/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    assert messages_of(response) == [str(MSG_TELEGRAM_IN_USE)]
    assert UserSocialAuth.objects.get(provider="telegram", uid="4242").user == owner
    me.refresh_from_db()
    assert me.telegram_id is None


def test_a_signed_in_user_links_telegram_by_widget(client, bot_token):
    me = UserFactory(username="me")
    client.force_login(me)
    response = widget_callback(
        client, make_widget_data(id=4242, first_name="Ann"), page="/profile/"
    )
    assert response.status_code == 302
    me.refresh_from_db()
    assert me.telegram_id == 4242
    assert session_user(client) == me


# --- Google -----------------------------------------------------------------------------------


def test_google_sign_in_creates_an_account_keyed_by_sub(client, fake_google):
    response = google_sign_in(client, fake_google)
    assert response.status_code == 302
    user = session_user(client)
    assert user is not None
    identity = UserSocialAuth.objects.get(provider="google-oauth2")
    assert identity.uid == "108765432100001"
    assert identity.user == user
    assert user.email == "ann@example.com"
    assert user.groups.filter(name="player").exists()
    token_call, userinfo_call = fake_google.requests
    body = token_call.body if isinstance(token_call.body, str) else token_call.body.decode()
    assert "code=4%2Ffake-code" in body
    assert userinfo_call.headers["Authorization"] == "Bearer ya29.fake"


def test_google_sign_in_again_is_the_same_account(client, fake_google):
    google_sign_in(client, fake_google)
    first = session_user(client)
    client.logout()
    google_sign_in(client, fake_google)
    assert session_user(client) == first
    assert User.objects.count() == 1


def test_google_is_never_matched_by_email(client, fake_google):
    existing = UserFactory(username="ann", email="ann@example.com")
    google_sign_in(client, fake_google)
    user = session_user(client)
    assert user != existing
    assert UserSocialAuth.objects.get(provider="google-oauth2").user == user


def test_a_changed_google_email_keeps_the_account(client, fake_google):
    google_sign_in(client, fake_google)
    first = session_user(client)
    client.logout()
    fake_google.userinfo["email"] = "ann.new@example.com"
    google_sign_in(client, fake_google)
    assert session_user(client) == first


def test_google_without_a_verified_email_is_refused(client, fake_google):
    fake_google.userinfo["email_verified"] = False
    response = google_sign_in(client, fake_google)
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert session_user(client) is None


def test_a_player_links_google_from_the_profile(client, fake_google, bot_token):
    me = TelegramIdentityFactory(tg_id=1001).user
    client.force_login(me)
    page = client.get("/profile/")
    assert 'id="link-google"' in page.content.decode()
    response = google_sign_in(client, fake_google, next_url="/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    assert session_user(client) == me
    assert set(me.social_auth.values_list("provider", flat=True)) == {"telegram", "google-oauth2"}
    me.refresh_from_db()
    assert me.first_name == "Ann"  # Google's name does not overwrite the player's
    page = client.get("/profile/")
    assert 'id="link-google"' not in page.content.decode()


def test_linking_a_google_account_of_someone_else_is_refused_with_a_message(client, fake_google):
    owner = GoogleIdentityFactory(uid="108765432100001").user
    me = UserFactory(username="me")
    client.force_login(me)
    response = google_sign_in(client, fake_google, next_url="/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    assert messages_of(response) == [str(MSG_IDENTITY_IN_USE % {"provider": "Google"})]
    assert UserSocialAuth.objects.get(provider="google-oauth2").user == owner
    assert not me.social_auth.exists()
    assert session_user(client) == me
    page = client.get("/profile/")
    assert "already linked to another Artel account" in page.content.decode()


def test_then_google_sign_in_and_mini_app_agree_after_linking(
    client, api_client, fake_google, bot_token
):
    me = TelegramIdentityFactory(tg_id=1001).user
    client.force_login(me)
    google_sign_in(client, fake_google, next_url="/profile/")
    client.logout()
    google_sign_in(client, fake_google)
    assert session_user(client) == me
    response = api_client.post(
        "/api/auth/telegram/", {"init_data": make_init_data()}, format="json"
    )
    assert response.json()["user"]["id"] == me.pk


# --- profile and logout -----------------------------------------------------------------------


def test_profile_needs_a_session(client):
    response = client.get("/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_web_logout_ends_the_session(client):
    client.force_login(UserFactory())
    response = client.post("/logout/")
    assert response.status_code == 302
    assert session_user(client) is None
