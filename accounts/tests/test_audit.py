"""Audit records: staff changes to money and results, in the admin and the API, who/when/before/
after and the request id; players' own actions are not staff changes."""

import uuid

import pytest
from django.conf import settings
from django.test import Client

from accounts import audit
from accounts.models_audit import AuditRecord
from games.models import Booking, Tariff
from games.tests.conftest import club, frozen, msk, table  # noqa: F401 - fixtures
from games.tests.factories import BookingFactory, TariffFactory
from games.tests.scoring.factories import make_match
from testing.personas import bearer_client

ADMIN = f"/{settings.ADMIN_PATH}"


@pytest.fixture
def tariff(club):  # noqa: F811
    return TariffFactory(club=club, name="Evening", price_per_hour=90000)


@pytest.fixture
def manager_admin(manager):
    client = Client()
    client.force_login(manager)
    return client


def tariff_form(tariff, **changes):
    data = {
        "club": tariff.club_id,
        "name": tariff.name,
        "table_kind": tariff.table_kind,
        "price_per_hour": tariff.price_per_hour,
        "weekdays": "[0, 1, 2, 3, 4, 5, 6]",
        "start_time": "18:00",
        "end_time": "00:00",
        "priority": tariff.priority,
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_a_tariff_price_change_in_the_admin_is_recorded_with_before_and_after(
    manager_admin, manager, tariff
):
    tariff.start_time = "18:00"
    tariff.save()
    AuditRecord.objects.all().delete()

    response = manager_admin.post(
        f"{ADMIN}games/tariff/{tariff.pk}/change/",
        tariff_form(tariff, price_per_hour=95000),
        HTTP_X_REQUEST_ID="req-tariff-1",
    )

    assert response.status_code == 302
    record = AuditRecord.objects.get()
    assert record.actor == manager
    assert record.actor_name == "boss"
    assert record.action == AuditRecord.Action.UPDATE
    assert record.object_type == "games.tariff"
    assert record.object_id == str(tariff.pk)
    assert record.before == {"price_per_hour": 90000}
    assert record.after == {"price_per_hour": 95000}
    assert record.request_id == "req-tariff-1"
    assert record.path.startswith(ADMIN)


def test_saving_a_tariff_without_changes_records_nothing(manager_admin, tariff):
    tariff.start_time = "18:00"
    tariff.save()

    manager_admin.post(f"{ADMIN}games/tariff/{tariff.pk}/change/", tariff_form(tariff))

    assert not AuditRecord.objects.exists()


def test_a_tariff_created_and_deleted_in_the_admin_is_recorded(manager_admin, club):  # noqa: F811
    created = manager_admin.post(
        f"{ADMIN}games/tariff/add/",
        tariff_form(Tariff(club=club, name="Night", table_kind="pool", price_per_hour=50000)),
    )
    tariff = Tariff.objects.get(name="Night")
    deleted = manager_admin.post(f"{ADMIN}games/tariff/{tariff.pk}/delete/", {"post": "yes"})

    assert created.status_code == 302
    assert deleted.status_code == 302
    create, delete = AuditRecord.objects.order_by("id")
    assert create.action == "create"
    assert create.after["price_per_hour"] == 50000
    assert delete.action == "delete"
    assert delete.before["price_per_hour"] == 50000


def test_a_staff_change_through_the_api_is_recorded_for_the_jwt_user(
    frozen,  # noqa: F811
    table,  # noqa: F811
    staff_member,
):
    booking = BookingFactory(
        table=table, player=staff_member, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 21)
    )

    response = bearer_client(staff_member).post(f"/api/bookings/{booking.pk}/cancel/")

    assert response.status_code == 200
    record = AuditRecord.objects.get(object_type="games.booking")
    assert record.actor == staff_member
    assert record.before == {"status": Booking.Status.CONFIRMED}
    assert record.after == {"status": Booking.Status.CANCELLED}
    assert record.path == f"/api/bookings/{booking.pk}/cancel/"


def test_a_players_own_change_is_not_a_staff_change(frozen, table, player):  # noqa: F811
    booking = BookingFactory(
        table=table, player=player, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 21)
    )

    response = bearer_client(player).post(f"/api/bookings/{booking.pk}/cancel/")

    assert response.status_code == 200
    assert not AuditRecord.objects.exists()


def test_changes_outside_a_request_are_not_recorded(tariff):
    tariff.price_per_hour = 1
    tariff.save()

    assert not AuditRecord.objects.exists()


def test_models_and_fields_that_do_not_exist_are_skipped(settings):
    settings.AUDIT_WATCH = {
        "games.NoSuchModel": ["price"],
        "games.Tariff": ["price_per_hour", "no_such_field"],
        "nosuchapp.Thing": ["x"],
    }
    audit.reset_watches()
    try:
        resolved = audit.watches()
    finally:
        audit.reset_watches()

    assert [model._meta.label for model in resolved] == ["games.Tariff"]
    assert resolved[Tariff].fields == ["price_per_hour"]


def test_managers_see_the_audit_trail_read_only(manager_admin, manager, tariff):
    AuditRecord.objects.create(
        actor=manager,
        actor_name="boss",
        action="update",
        object_type="games.tariff",
        object_id=str(tariff.pk),
        object_repr="Evening",
        before={"price_per_hour": 90000},
        after={"price_per_hour": 95000},
    )
    record = AuditRecord.objects.get()

    listing = manager_admin.get(f"{ADMIN}accounts/auditrecord/?action__exact=update")
    detail = manager_admin.get(f"{ADMIN}accounts/auditrecord/{record.pk}/change/")
    add = manager_admin.get(f"{ADMIN}accounts/auditrecord/add/")

    assert listing.status_code == 200
    assert "Evening" in listing.content.decode()
    assert detail.status_code == 200
    assert "95000" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert add.status_code == 403


def test_staff_who_are_not_managers_do_not_see_the_audit_trail(staff_member):
    client = Client()
    client.force_login(staff_member)

    assert client.get(f"{ADMIN}accounts/auditrecord/").status_code == 403


def test_a_staff_abandon_through_the_scoring_api_records_the_event_and_the_result(
    staff_member, player, other_player
):
    match = make_match([player], [other_player], discipline="pool_9", fmt={"race_to": 2})

    response = bearer_client(staff_member).post(
        f"/api/matches/{match.pk}/events/",
        {
            "type": "abandon",
            "expected_version": match.version,
            "client_event_id": str(uuid.uuid4()),
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    kinds = {(r.object_type, r.action) for r in AuditRecord.objects.filter(actor=staff_member)}
    assert ("games.matchevent", "create") in kinds
    assert ("games.match", "update") in kinds
    event = AuditRecord.objects.get(object_type="games.matchevent")
    assert event.after["type"] == "abandon"
    result = AuditRecord.objects.get(object_type="games.match")
    assert result.before["status"] == "live"
    assert result.after["status"] == "abandoned"


def test_a_players_scoring_event_is_not_recorded(player, other_player):
    match = make_match([player], [other_player], discipline="pool_9", fmt={"race_to": 2})

    response = bearer_client(player).post(
        f"/api/matches/{match.pk}/events/",
        {
            "type": "rack",
            "side": 0,
            "expected_version": match.version,
            "client_event_id": str(uuid.uuid4()),
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert not AuditRecord.objects.exists()
