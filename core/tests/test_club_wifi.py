"""Limits that fit a club (issue 15): a club's players share the Wi-Fi's one address, so a busy
evening — or 100 phones reconnecting after a restart — must not be refused. 60 players on one
address sign in and open their sockets within one minute, with every production limit on."""

import json
import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.telegram_auth import sign_init_data
from config.asgi import application

CLUB_WIFI = "203.0.113.7"
TOKEN = "4242:club-wifi"
PLAYERS = 60

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def production_limits(settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    return settings


def init_data_for(telegram_id: int) -> str:
    user = {"id": telegram_id, "first_name": f"Player {telegram_id}"}
    fields = {"auth_date": str(int(time.time())), "query_id": "AAH", "user": json.dumps(user)}
    return sign_init_data(fields, TOKEN)


def sign_in_and_get_a_ticket(client: Client, telegram_id: int) -> str:
    signed_in = client.post(
        "/api/auth/telegram/",
        data={"init_data": init_data_for(telegram_id)},
        content_type="application/json",
        REMOTE_ADDR=CLUB_WIFI,
    )
    assert signed_in.status_code == 200, signed_in.content
    access = signed_in.json()["access"]
    ticket = client.post(
        "/api/realtime/ticket/", HTTP_AUTHORIZATION=f"Bearer {access}", REMOTE_ADDR=CLUB_WIFI
    )
    assert ticket.status_code == 200, ticket.content
    return ticket.json()["ticket"]


async def test_sixty_players_on_one_address_sign_in_and_open_their_sockets(production_limits):
    started = time.monotonic()
    client = Client()
    tickets = [
        await database_sync_to_async(sign_in_and_get_a_ticket)(client, 7_000 + n)
        for n in range(PLAYERS)
    ]
    sockets = []
    for ticket in tickets:
        ws = WebsocketCommunicator(
            application, f"/ws/?ticket={ticket}", headers=[(b"origin", b"http://testserver")]
        )
        ws.scope["client"] = (CLUB_WIFI, 50000)
        connected, code = await ws.connect()
        assert connected, code
        await ws.send_json_to({"op": "subscribe", "topic": "me"})
        snapshot = await ws.receive_json_from(timeout=5)
        assert snapshot["type"] == "snapshot", snapshot
        sockets.append(ws)
    for ws in sockets:
        await ws.disconnect()

    assert len(sockets) == PLAYERS
    assert time.monotonic() - started < 60
