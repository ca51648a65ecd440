"""Roles as groups: default player, staff / manager permissions, admin access, DRF classes."""

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory

from accounts import roles, services
from accounts.permissions import IsManager, IsPlayer, IsStaff
from accounts.tests.factories import UserFactory
from core.errors import DomainError

pytestmark = pytest.mark.django_db


def perms(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


@pytest.fixture
def player():
    return UserFactory(username="player")


@pytest.fixture
def staff():
    user = UserFactory(username="desk")
    return services.user_set_roles(user=user, role_names=[roles.PLAYER, roles.STAFF])


@pytest.fixture
def manager():
    user = UserFactory(username="boss")
    return services.user_set_roles(user=user, role_names=[roles.PLAYER, roles.MANAGER])


def test_the_role_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {"player", "staff", "manager"}


def test_a_new_user_is_a_player(player):
    assert list(player.groups.values_list("name", flat=True)) == ["player"]
    assert player.is_staff is False


def test_staff_run_the_floor_but_do_not_change_tariffs_or_tables():
    staff_perms = perms("staff")
    assert "games.view_table" in staff_perms
    assert "games.view_tariff" in staff_perms
    assert "games.change_tariff" not in staff_perms
    assert "games.change_table" not in staff_perms
    assert "accounts.change_user" not in staff_perms
    floor_models = {"booking", "tablesession", "match"}
    present = {p.split("_", 1)[1] for p in staff_perms if p.startswith("games.change_")}
    # The bookings / sessions / matches models are granted as soon as they exist.
    for model in floor_models & _games_models():
        assert model in present


def _games_models() -> set[str]:
    from django.apps import apps

    return {m._meta.model_name for m in apps.get_app_config("games").get_models()}


def test_managers_can_do_what_staff_can_and_run_the_club():
    manager_perms = perms("manager")
    assert perms("staff") <= manager_perms
    for codename in (
        "games.change_tariff",
        "games.add_table",
        "games.change_club",
        "accounts.change_user",
    ):
        assert codename in manager_perms


def test_players_get_no_model_permissions():
    assert perms("player") == set()


def test_joining_staff_grants_admin_access_and_leaving_removes_it(player):
    staff_group = Group.objects.get(name="staff")
    player.groups.add(staff_group)
    player.refresh_from_db()
    assert player.is_staff is True
    player.groups.remove(staff_group)
    player.refresh_from_db()
    assert player.is_staff is False


def test_adding_users_from_the_group_side_also_syncs(player):
    Group.objects.get(name="manager").user_set.add(player)
    player.refresh_from_db()
    assert player.is_staff is True


def test_user_created_with_is_staff_joins_the_staff_group():
    user = UserFactory(username="legacy", is_staff=True)
    assert set(user.groups.values_list("name", flat=True)) == {"player", "staff"}


def test_unknown_role_is_refused(player):
    with pytest.raises(DomainError):
        services.user_set_roles(user=player, role_names=["owner"])


@pytest.mark.parametrize(
    ("persona", "player_ok", "staff_ok", "manager_ok"),
    [
        ("player", True, False, False),
        ("staff", True, True, False),
        ("manager", True, True, True),
    ],
)
def test_permission_classes(request, persona, player_ok, staff_ok, manager_ok):
    user = request.getfixturevalue(persona)
    http = RequestFactory().get("/")
    http.user = user
    assert IsPlayer().has_permission(http, None) is player_ok
    assert IsStaff().has_permission(http, None) is staff_ok
    assert IsManager().has_permission(http, None) is manager_ok


def test_superuser_passes_every_role_check():
    user = UserFactory(username="root", is_superuser=True)
    http = RequestFactory().get("/")
    http.user = user
    assert IsStaff().has_permission(http, None)
    assert IsManager().has_permission(http, None)


def test_an_inactive_staff_member_is_not_staff(staff):
    type(staff).objects.filter(pk=staff.pk).update(is_active=False)
    staff.refresh_from_db()
    http = RequestFactory().get("/")
    http.user = staff
    assert IsStaff().has_permission(http, None) is False


def test_anonymous_is_no_player():
    from django.contrib.auth.models import AnonymousUser

    http = RequestFactory().get("/")
    http.user = AnonymousUser()
    assert IsPlayer().has_permission(http, None) is False


def test_staff_member_can_open_the_admin(client, staff, settings):
    client.force_login(staff)
    response = client.get(f"/{settings.ADMIN_PATH}")
    assert response.status_code == 200


def test_is_staff_without_a_role_group_does_not_open_the_admin(client, player, settings):
    type(player).objects.filter(pk=player.pk).update(is_staff=True)
    client.force_login(player)
    response = client.get(f"/{settings.ADMIN_PATH}")
    assert response.status_code == 302


def test_a_manager_cannot_make_anyone_superuser_in_the_admin(client, manager, player, settings):
    client.force_login(manager)
    response = client.get(f"/{settings.ADMIN_PATH}accounts/user/{player.pk}/change/")
    assert response.status_code == 200
    assert 'name="is_superuser"' not in response.content.decode()


def test_admin_action_makes_a_player_staff(client, manager, player, settings):
    client.force_login(manager)
    response = client.post(
        f"/{settings.ADMIN_PATH}accounts/user/",
        {"action": "make_staff", "_selected_action": [player.pk]},
    )
    assert response.status_code == 302
    player.refresh_from_db()
    assert player.is_staff is True
    assert set(player.groups.values_list("name", flat=True)) == {"player", "staff"}
