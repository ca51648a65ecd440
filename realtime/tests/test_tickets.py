"""One-time WebSocket tickets: issued to signed-in users, good for one connection, expiring."""

import json

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from realtime import services
from realtime.tests.conftest import assert_open, connect

TICKET_URL = "/api/realtime/ticket/"


@pytest.fixture
def api():
    return APIClient()


async def receive_close(communicator):
    messages = []
    while True:
        output = await communicator.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            return messages, output.get("code")
        messages.append(output)


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_anonymous_request_gets_401(api):
    response = api.post(TICKET_URL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["detail"]


@pytest.mark.django_db
def test_a_session_user_gets_a_ticket(api, owner):
    api.force_login(owner)

    response = api.post(TICKET_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 30
    assert len(body["ticket"]) >= 40
    assert services.ticket_consume(ticket=body["ticket"]) == owner


@pytest.mark.django_db
def test_a_jwt_user_gets_a_ticket(api, owner):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(owner).access_token}")

    response = api.post(TICKET_URL)

    assert response.status_code == 200
    assert services.ticket_consume(ticket=response.json()["ticket"]) == owner


@pytest.mark.django_db
def test_each_request_gets_a_different_ticket(api, owner):
    api.force_login(owner)

    first, second = api.post(TICKET_URL).json(), api.post(TICKET_URL).json()

    assert first["ticket"] != second["ticket"]


@pytest.mark.django_db
def test_a_get_is_not_allowed(api, owner):
    api.force_login(owner)

    response = api.get(TICKET_URL)

    assert response.status_code == 405


# --- the service -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_ticket_works_once(owner):
    ticket = services.ticket_issue(user=owner)

    assert services.ticket_consume(ticket=ticket) == owner
    assert services.ticket_consume(ticket=ticket) is None


@pytest.mark.django_db
def test_a_ticket_expires(owner):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        ticket = services.ticket_issue(user=owner)
        traveller.shift(31)

        assert services.ticket_consume(ticket=ticket) is None


@pytest.mark.django_db
def test_a_ticket_is_good_until_it_expires(owner):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        ticket = services.ticket_issue(user=owner)
        traveller.shift(29)

        assert services.ticket_consume(ticket=ticket) == owner


@pytest.mark.django_db
def test_a_ticket_of_a_deactivated_user_is_refused(owner):
    ticket = services.ticket_issue(user=owner)
    owner.is_active = False
    owner.save(update_fields=["is_active"])

    assert services.ticket_consume(ticket=ticket) is None


@pytest.mark.parametrize("ticket", ["", "short", "x" * 200, "../../etc/passwd-aaaaaaaaaaaaaaaaaa"])
@pytest.mark.django_db
def test_a_malformed_ticket_is_refused(ticket):
    assert services.ticket_consume(ticket=ticket) is None


# --- the socket --------------------------------------------------------------------------------

pytestmark_ws = pytest.mark.django_db(transaction=True)


@pytestmark_ws
async def test_a_socket_with_a_ticket_is_signed_in(sockets, owner):
    ws = await sockets(user=owner)

    await ws.send_json_to({"op": "subscribe", "topic": "secret:1"})

    assert (await ws.receive_json_from(timeout=2))["type"] == "snapshot"


@pytestmark_ws
async def test_a_reused_ticket_is_refused_with_4401(sockets, owner):
    ticket = await database_sync_to_async(services.ticket_issue)(user=owner)
    await sockets(path=f"/ws/?ticket={ticket}")

    second = await connect(f"/ws/?ticket={ticket}")
    messages, code = await receive_close(second)

    assert code == 4401
    assert len(messages) == 1
    error = json.loads(messages[0]["text"])
    assert (error["type"], error["code"]) == ("error", "invalid_ticket")
    assert error["detail"]
    await second.disconnect()


@pytestmark_ws
async def test_an_expired_ticket_is_refused_with_4401(owner):
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        ticket = await database_sync_to_async(services.ticket_issue)(user=owner)
        traveller.shift(60)

        ws = await connect(f"/ws/?ticket={ticket}")
        messages, code = await receive_close(ws)

    assert code == 4401
    assert '"invalid_ticket"' in messages[0]["text"]
    await ws.disconnect()


@pytestmark_ws
async def test_an_unknown_ticket_is_refused_with_4401():
    ws = await connect("/ws/?ticket=" + "a" * 43)

    messages, code = await receive_close(ws)

    assert code == 4401
    assert '"invalid_ticket"' in messages[0]["text"]
    await ws.disconnect()


@pytestmark_ws
async def test_no_ticket_means_anonymous_on_public_topics(sockets):
    ws = await sockets()

    await ws.send_json_to({"op": "subscribe", "topic": "widget:1"})

    assert (await ws.receive_json_from(timeout=2))["type"] == "snapshot"
    await assert_open(ws)


@pytestmark_ws
async def test_a_socket_from_a_foreign_origin_is_refused():
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    ws = WebsocketCommunicator(application, "/ws/", headers=[(b"origin", b"https://evil.example")])

    connected, _ = await ws.connect()

    assert connected is False
