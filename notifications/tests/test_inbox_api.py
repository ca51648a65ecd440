"""GET /api/notifications/, mark read, invites in the Mini App."""

from accounts.tests.factories import UserFactory
from notifications import invites
from notifications.models import MatchInvite
from notifications.tests.factories import NotificationFactory


def test_the_inbox_lists_delivered_messages_newest_first_with_unread_count(client, player):
    NotificationFactory(user=player, status="sent", payload={"text": "first"})
    NotificationFactory(user=player, status="sent", payload={"text": "second"})
    NotificationFactory(user=player, status="pending")  # not yet delivered
    NotificationFactory(status="sent")  # someone else's
    client.force_login(player)

    response = client.get("/api/notifications/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["unread"] == 2
    assert "second" in body["results"][0]["text"]
    assert body["results"][0]["start_param"] == "inbox"


def test_mark_read_by_ids_and_all(client, player):
    a = NotificationFactory(user=player, status="sent")
    NotificationFactory(user=player, status="sent")
    client.force_login(player)

    one = client.post(
        "/api/notifications/read/", data={"ids": [a.pk]}, content_type="application/json"
    )
    rest = client.post(
        "/api/notifications/read/", data={"all": True}, content_type="application/json"
    )

    assert one.status_code == 200
    assert one.json() == {"marked": 1, "unread": 1}
    assert rest.json() == {"marked": 1, "unread": 0}


def test_mark_read_needs_ids_or_all(client, player):
    client.force_login(player)
    response = client.post("/api/notifications/read/", data={}, content_type="application/json")
    assert response.status_code == 400


def test_the_inbox_needs_a_signed_in_user(client):
    assert client.get("/api/notifications/").status_code in (401, 403)


def test_invite_create_notifies_the_invited_player(client, player):
    friend = UserFactory(from_telegram=True, username="boris")
    client.force_login(player)

    response = client.post(
        "/api/invites/",
        data={"to_user": friend.pk, "discipline": "snooker", "message": "Tonight?"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    row = friend.notifications.get(kind="match_invite")
    assert row.payload["from_name"] == player.display_name


def test_inviting_yourself_or_twice_is_refused(client, player):
    friend = UserFactory(from_telegram=True, username="boris")
    client.force_login(player)
    data = {"to_user": friend.pk, "discipline": "snooker"}

    first = client.post("/api/invites/", data=data, content_type="application/json")
    again = client.post("/api/invites/", data=data, content_type="application/json")
    me = client.post(
        "/api/invites/",
        data={"to_user": player.pk, "discipline": "snooker"},
        content_type="application/json",
    )

    assert (first.status_code, again.status_code, me.status_code) == (201, 409, 422)
    assert again.json()["code"] == "invite_exists"
    assert me.json()["code"] == "invite_self"
    assert MatchInvite.objects.count() == 1


def test_decline_in_the_mini_app_and_only_by_the_invited_player(client, player):
    friend = UserFactory(from_telegram=True, username="boris")
    invite = invites.invite_create(from_user=player, to_user=friend, discipline="pool_9")

    client.force_login(player)
    not_mine = client.post(f"/api/invites/{invite.pk}/decline/")
    client.force_login(friend)
    declined = client.post(f"/api/invites/{invite.pk}/decline/")
    accept_after = client.post(f"/api/invites/{invite.pk}/accept/")

    assert not_mine.status_code == 404
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert accept_after.status_code == 409


def test_table_watch_api_create_list_and_delete(client, player, club):
    client.force_login(player)

    created = client.post(
        "/api/table-watches/", data={"table_kind": "snooker"}, content_type="application/json"
    )
    again = client.post(
        "/api/table-watches/", data={"table_kind": "snooker"}, content_type="application/json"
    )
    listed = client.get("/api/table-watches/")

    assert (created.status_code, again.status_code) == (201, 201)
    assert created.json()["id"] == again.json()["id"]  # one open watch per kind
    assert [w["table_kind"] for w in listed.json()] == ["snooker"]
    assert client.delete(f"/api/table-watches/{created.json()['id']}/").status_code == 204
    assert client.get("/api/table-watches/").json() == []


def test_table_watch_refuses_an_unknown_kind(client, player, club):
    client.force_login(player)

    response = client.post(
        "/api/table-watches/", data={"table_kind": "darts"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_choice"


def test_the_unread_filter_is_a_boolean_and_a_bad_one_is_400(client, player):
    NotificationFactory(user=player, status="sent", read_at="2026-01-01T00:00:00Z")
    NotificationFactory(user=player, status="sent")
    client.force_login(player)

    assert client.get("/api/notifications/?unread=1").json()["count"] == 1
    assert client.get("/api/notifications/?unread=true").json()["count"] == 1
    assert client.get("/api/notifications/?unread=0").json()["count"] == 2
    response = client.get("/api/notifications/?unread=maybe")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_request"
    assert list(body["errors"]) == ["unread"]
