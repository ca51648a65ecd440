"""Fixtures for the realtime tests: throw-away topics, sockets, personas."""

import pytest

from accounts.tests.factories import UserFactory
from realtime.tests.topics_for_tests import WIDGETS, SecretTopic, WidgetTopic
from realtime.topics import register, unregister
from testing.sockets import assert_open, connect, connect_as  # noqa: F401 - the tests import them here


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
