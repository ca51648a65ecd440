"""Fixtures for the realtime tests: throw-away topics, sockets, personas."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from realtime import services
from realtime.tests.factories import UserFactory
from realtime.tests.topics_for_tests import WIDGETS, SecretTopic, WidgetTopic
from realtime.topics import register, unregister

ORIGIN = [(b"origin", b"http://testserver")]


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
