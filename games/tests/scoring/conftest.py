"""Personas of the scoring tests: Ann and Ivan play, Olga is a stranger (all three from
testing/personas.py), Desk is staff."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from games.tests.scoring.factories import make_match


@pytest.fixture
def desk(db):
    return UserFactory(username="desk", first_name="Desk", is_staff=True)


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def olga_api(olga):
    return client_for(olga)


@pytest.fixture
def desk_api(desk):
    return client_for(desk)


@pytest.fixture
def nine_ball(ann, ivan):
    """A live public 9-ball match, race to 2: Ann (side 0) against Ivan (side 1)."""
    return make_match([ann], [ivan], discipline="pool_9", fmt={"race_to": 2})


@pytest.fixture
def publishes(monkeypatch):
    """Spy on realtime.broadcast.publish: every (topic, version, data) a service asked to send
    (publish itself defers the send to commit)."""
    from realtime import broadcast

    sent: list[dict] = []
    real = broadcast.publish

    def spy(topic, *, version, data, type="update"):
        sent.append({"topic": topic, "version": version, "data": data, "type": type})
        real(topic, version=version, data=data, type=type)

    monkeypatch.setattr(broadcast, "publish", spy)
    return sent
