"""GET / PATCH /api/me/."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import GoogleIdentityFactory, TelegramIdentityFactory, UserFactory

URL = "/api/me/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def ann():
    return TelegramIdentityFactory(tg_id=1001, user__username="ann").user


@pytest.fixture
def ann_client(ann):
    client = APIClient()
    client.force_authenticate(ann)
    return client


def test_me_needs_sign_in():
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_shows_the_profile_and_linked_identities(ann, ann_client):
    GoogleIdentityFactory(user=ann, uid="1087")
    response = ann_client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["display_name"] == "Ann Smirnova"
    assert body["telegram_id"] == 1001
    assert body["language"] == "ru"
    assert body["notifications_enabled"] is True
    assert body["roles"] == ["player"]
    assert [(i["provider"], i["title"]) for i in body["identities"]] == [
        ("google-oauth2", "Google"),
        ("telegram", "Telegram"),
    ]


def test_me_works_with_a_web_session(client):
    user = UserFactory(first_name="Web", last_name="User")
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["display_name"] == "Web User"


def test_patch_changes_name_language_and_notifications(ann, ann_client):
    response = ann_client.patch(
        URL,
        {"display_name": "  Shark  ", "language": "en", "notifications_enabled": False},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "Shark"
    assert response.json()["language"] == "en"
    ann.refresh_from_db()
    assert (ann.nickname, ann.language, ann.notifications_enabled) == ("Shark", "en", False)


def test_patch_with_an_empty_display_name_goes_back_to_the_real_name(ann, ann_client):
    ann.nickname = "Shark"
    ann.save()
    response = ann_client.patch(URL, {"display_name": ""}, format="json")
    assert response.status_code == 200
    assert response.json()["display_name"] == "Ann Smirnova"


def test_patch_changes_only_what_was_sent(ann, ann_client):
    response = ann_client.patch(URL, {"language": "en"}, format="json")
    assert response.status_code == 200
    ann.refresh_from_db()
    assert ann.notifications_enabled is True
    assert ann.nickname == ""


def test_patch_ignores_read_only_fields(ann, ann_client):
    response = ann_client.patch(URL, {"telegram_id": 5, "is_staff": True}, format="json")
    assert response.status_code == 200
    ann.refresh_from_db()
    assert (ann.telegram_id, ann.is_staff) == (1001, False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": "x" * 65}, "display_name"),
        ({"display_name": "bad\x00name"}, "display_name"),
        ({"display_name": 12}, "display_name"),
        ({"language": "de"}, "language"),
        ({"notifications_enabled": "maybe"}, "notifications_enabled"),
    ],
)
def test_patch_rejects_invalid_values(ann, ann_client, body, field):
    response = ann_client.patch(URL, body, format="json")
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"]
    assert field in payload["errors"]
    ann.refresh_from_db()
    assert (ann.nickname, ann.language, ann.notifications_enabled) == ("", "ru", True)


def test_patch_with_a_non_object_body_is_invalid_request(ann_client):
    response = ann_client.patch(URL, [1, 2], format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
