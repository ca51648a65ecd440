"""Personas shared by every app's tests (a pytest plugin, loaded from the root conftest.py):
`player`, `other_player` (player role), `staff_member` (staff role, password set), `manager`;
the named players `ann` (Ann Smirnova), `ivan` (Ivan Petrov), `olga` and `petr` (no role); and
`bearer_client(user)`, an API client signed in with a JWT."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts import roles
from accounts.tests.factories import UserFactory


@pytest.fixture
def player(db):
    user = UserFactory(username="ann", first_name="Ann", last_name="Smirnova")
    user.groups.add(Group.objects.get_or_create(name=roles.PLAYER)[0])
    return user


@pytest.fixture
def other_player(db):
    user = UserFactory(username="ivan", first_name="Ivan", last_name="Petrov")
    user.groups.add(Group.objects.get_or_create(name=roles.PLAYER)[0])
    return user


@pytest.fixture
def staff_member(db):
    user = UserFactory(username="desk", is_staff=True, password="desk-password-9")
    user.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
    return user


@pytest.fixture
def manager(db):
    user = UserFactory(username="boss", is_staff=True, password="boss-password-9")
    user.groups.add(Group.objects.get_or_create(name=roles.MANAGER)[0])
    roles.sync_role_permissions()
    return user


def _named_player(username: str, first_name: str, last_name: str):
    """A fixture `username`: that user (no role)."""

    @pytest.fixture(name=username)
    def named_player(db):
        return UserFactory(username=username, first_name=first_name, last_name=last_name)

    return named_player


ann = _named_player("ann", "Ann", "Smirnova")
ivan = _named_player("ivan", "Ivan", "Petrov")
olga = _named_player("olga", "Olga", "Player")
petr = _named_player("petr", "Petr", "Player")


def bearer_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client
