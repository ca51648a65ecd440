"""Two daphne processes on one Redis: what one process publishes reaches sockets of the other."""

import asyncio
import json
import subprocess

import httpx
import pytest
import websockets
from channels.db import database_sync_to_async
from django.db import transaction
from rest_framework_simplejwt.tokens import AccessToken

from realtime.broadcast import publish_to_user
from testing.browser import live_app_env
from testing.daphne import start_daphne, stop_process

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def start_server(env: dict, timeout: float = 30) -> tuple[str, subprocess.Popen]:
    return start_daphne(env, timeout=timeout, application="realtime.tests.live_asgi:application")


@pytest.fixture(scope="module")
def two_servers(django_db_setup, django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock():
        env = live_app_env(dict(connection.settings_dict))
    started = []
    try:
        for _ in range(2):
            started.append(start_server(env))
        yield [url for url, _ in started]
    finally:
        for _, proc in started:
            stop_process(proc)


def ws_url(http_url: str, query: str = "") -> str:
    return http_url.replace("http://", "ws://") + "/ws/" + query


async def next_message(ws, timeout=10):
    """The next message that is not a server ping."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message.get("type") != "ping":
            return message


async def test_an_update_published_by_one_process_reaches_a_socket_on_the_other(two_servers):
    server_a, server_b = two_servers

    async with websockets.connect(ws_url(server_b), origin=server_b) as ws:
        await ws.send(json.dumps({"op": "subscribe", "topic": "widget:1"}))
        snapshot = await next_message(ws)
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"{server_a}/__test__/publish",
                json={"topic": "widget:1", "version": 6, "data": {"from": "a"}},
            )

        update = await next_message(ws)

    assert response.status_code == 204
    assert (snapshot["type"], snapshot["version"]) == ("snapshot", 5)
    assert update == {"topic": "widget:1", "type": "update", "version": 6, "data": {"from": "a"}}


async def test_a_ticket_from_one_process_signs_in_on_the_other(two_servers, owner):
    server_a, server_b = two_servers
    access = str(AccessToken.for_user(owner))
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{server_a}/api/realtime/ticket/", headers={"Authorization": f"Bearer {access}"}
        )
    assert response.status_code == 200
    ticket = response.json()["ticket"]

    async with websockets.connect(ws_url(server_b, f"?ticket={ticket}"), origin=server_b) as ws:
        await ws.send(json.dumps({"op": "subscribe", "topic": "me"}))
        snapshot = await next_message(ws)
        await database_sync_to_async(notify)(owner.pk, {"section": "sessions"})
        update = await next_message(ws)

    assert snapshot["type"] == "snapshot"
    assert update["type"] == "update"
    assert update["version"] == snapshot["version"] + 1
    assert update["data"] == {"section": "sessions"}


def notify(user_id: int, data: dict) -> None:
    with transaction.atomic():
        publish_to_user(user_id, data=data)
