"""WebSocket helpers for tests (a pytest plugin, loaded from the root conftest.py): the whole ASGI
application in-process through Channels' communicator.

`sockets` (fixture): `await sockets(user=...)` / `sockets(path=...)` / `sockets()` opens a socket
(signed in with a one-time ticket, at a path, or anonymous), all closed at the end of the test.
"""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from realtime import services

ORIGIN = [(b"origin", b"http://testserver")]


async def connect(path="/ws/"):
    communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def connect_as(user):
    ticket = await database_sync_to_async(services.ticket_issue)(user=user)
    return await connect(f"/ws/?ticket={ticket}")


@pytest.fixture
async def sockets():
    """Opened communicators, disconnected at the end of the test."""
    opened = []

    async def open_socket(user=None, path=None):
        if path is not None:
            communicator = await connect(path)
        elif user is not None:
            communicator = await connect_as(user)
        else:
            communicator = await connect()
        opened.append(communicator)
        return communicator

    yield open_socket
    for communicator in opened:
        await communicator.disconnect()


async def assert_open(communicator):
    """The socket still answers: a ping gets a pong."""
    await communicator.send_json_to({"op": "ping"})
    assert await communicator.receive_json_from(timeout=2) == {"type": "pong"}
