"""Fixtures for the realtime tests: throw-away topics, sockets, personas."""

import re

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from config.asgi import application
from realtime import services
from realtime.tests.factories import UserFactory
from realtime.topics import Topic, TopicNotFound, register, unregister

ORIGIN = [(b"origin", b"http://testserver")]

# State behind the test topics: {id: (version, data)}; a missing id is "not found".
WIDGETS: dict[str, tuple[int, dict]] = {}


class WidgetTopic(Topic):
    """Public test topic `widget:<id>`."""

    kind = "widget"
    pattern = re.compile(r"^widget:(?P<id>\d+)$")
    public = True

    def snapshot(self, user, *, id):
        if id not in WIDGETS:
            raise TopicNotFound
        return WIDGETS[id]


class SecretTopic(Topic):
    """Private test topic `secret:<id>`: only the user named `owner` may watch."""

    kind = "secret"
    pattern = re.compile(r"^secret:(?P<id>\d+)$")

    def authorize(self, user, *, id):
        return user.username == "owner"

    def snapshot(self, user, *, id):
        return 1, {"secret": id}


@pytest.fixture(autouse=True)
def test_topics():
    WIDGETS.clear()
    WIDGETS["1"] = (5, {"name": "first"})
    register(WidgetTopic)
    register(SecretTopic)
    yield WIDGETS
    unregister("widget")
    unregister("secret")
    WIDGETS.clear()


@pytest.fixture(autouse=True)
async def _fresh_layer():
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()
    yield


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")


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
