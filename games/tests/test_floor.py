"""The live floor: statuses, the query count, GET /api/clubs/, /api/clubs/<id>/, slots."""

from datetime import datetime, timedelta

import pytest

from games import selectors
from games.tests.conftest import msk
from games.tests.factories import BookingFactory, TableFactory, TableSessionFactory

pytestmark = pytest.mark.usefixtures("frozen")


def status_of(club, table):
    floor = selectors.floor_state(club=club)
    return next(t for t in floor["tables"] if t["id"] == table.id)


def test_a_table_without_bookings_or_session_is_free(club, table):
    assert status_of(club, table)["status"] == "free"


def test_an_open_session_makes_the_table_busy_with_first_names_only(club, table, ann, ivan):
    TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=[ann, ivan])

    row = status_of(club, table)

    assert row["status"] == "busy"
    assert row["session"]["players"] == ["Ann", "Ivan"]
    assert "Smirnova" not in str(row)


def test_a_booking_within_the_hold_window_reserves_the_table(club, table, ann):
    BookingFactory(table=table, player=ann, start=msk(2026, 3, 2, 14, 30), end=msk(2026, 3, 2, 16))

    row = status_of(club, table)

    assert row["status"] == "reserved"
    assert row["reserved_until"] == "2026-03-02T16:00:00+03:00"
    assert "ann" not in str(row).lower()


def test_a_later_booking_is_shown_as_next_but_leaves_the_table_free(club, table, ann):
    BookingFactory(table=table, player=ann, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 20))

    row = status_of(club, table)

    assert row["status"] == "free"
    assert row["next_booking"] == {
        "start": "2026-03-02T19:00:00+03:00",
        "end": "2026-03-02T20:00:00+03:00",
    }


def test_a_booking_under_way_but_not_checked_in_still_reserves(club, table, ann):
    BookingFactory(table=table, player=ann, start=msk(2026, 3, 2, 13, 50), end=msk(2026, 3, 2, 15))

    assert status_of(club, table)["status"] == "reserved"


def test_a_table_out_of_service_says_so_whatever_else(club, ann):
    table = TableFactory(club=club, number=3, in_service=False)
    BookingFactory(table=table, player=ann, start=msk(2026, 3, 2, 14, 30), end=msk(2026, 3, 2, 16))

    assert status_of(club, table)["status"] == "out_of_service"


def build_floor(club, tables, players):
    for n in range(tables):
        table = TableFactory(club=club, number=100 + n)
        if n % 3 == 0:
            TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=players)
        elif n % 3 == 1:
            BookingFactory(
                table=table,
                player=players[0],
                start=msk(2026, 3, 2, 14, 30),
                end=msk(2026, 3, 2, 16),
            )


@pytest.mark.parametrize("tables", [12, 50])
def test_the_floor_takes_the_same_queries_for_12_and_50_tables(
    club, ann, ivan, tables, django_assert_num_queries
):
    build_floor(club, tables, [ann, ivan])

    with django_assert_num_queries(5):
        floor = selectors.floor_state(club_id=club.id)

    assert len(floor["tables"]) == tables
    assert {t["status"] for t in floor["tables"]} == {"busy", "reserved", "free"}


def test_clubs_are_listed_publicly(api, club):
    response = api.get("/api/clubs/")

    assert response.status_code == 200
    assert [c["name"] for c in response.json()] == ["Artel"]


def test_a_club_shows_its_tables_with_live_status(api, club, table, ann):
    TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 13), players=[ann])

    response = api.get(f"/api/clubs/{club.id}/")

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == club.floor_version
    assert [(t["number"], t["status"]) for t in body["floor"]["tables"]] == [(1, "busy")]


def test_an_unknown_club_is_404(api, db):
    response = api.get("/api/clubs/999/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_club_topic_snapshot_is_the_floor_with_its_version(club, table):
    from realtime.topics import resolve

    topic, params = resolve(f"club:{club.id}")
    version, data = topic.snapshot(None, **params)

    assert topic.public is True
    assert version == club.floor_version
    assert data == selectors.floor_state(club=club)


def test_the_club_topic_of_an_unknown_club_is_not_found(db):
    from realtime.topics import TopicNotFound, resolve

    topic, params = resolve("club:987")
    with pytest.raises(TopicNotFound):
        topic.snapshot(None, **params)


# --- slots ---------------------------------------------------------------------------------


def test_slots_cover_the_opening_past_midnight(api, table):
    response = api.get(f"/api/tables/{table.id}/slots/?date=2026-03-02")

    assert response.status_code == 200
    body = response.json()
    assert body["opens"] == "2026-03-02T12:00:00+03:00"
    assert body["closes"] == "2026-03-03T02:00:00+03:00"
    assert body["slots"][0]["start"] == "2026-03-02T12:00:00+03:00"
    assert body["slots"][-1]["end"] == "2026-03-03T02:00:00+03:00"
    assert len(body["slots"]) == 28


def test_past_slots_and_booked_slots_are_not_free(api, table, ann):
    BookingFactory(table=table, player=ann, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 20))

    slots = {
        s["start"][11:16]: s
        for s in api.get(f"/api/tables/{table.id}/slots/?date=2026-03-02").json()["slots"]
    }

    assert slots["13:30"]["free"] is False
    assert slots["14:00"]["free"] is True
    assert slots["19:00"]["free"] is False
    assert slots["19:30"]["free"] is False
    assert slots["20:00"]["free"] is True
    # 18:00 can hold one hour (up to the booking at 19:00); 18:30 only 30 minutes.
    assert slots["18:00"]["bookable_minutes"] == 60 and slots["18:00"]["available"] is True
    assert slots["18:30"]["bookable_minutes"] == 30 and slots["18:30"]["available"] is False
    assert slots["01:00"]["bookable_minutes"] == 60


def test_slots_default_to_today_in_the_club_time_zone(api, table):
    response = api.get(f"/api/tables/{table.id}/slots/")

    assert response.status_code == 200
    assert response.json()["date"] == "2026-03-02"


def test_slots_beyond_the_horizon_are_not_free(api, table):
    body = api.get(f"/api/tables/{table.id}/slots/?date=2026-03-20").json()

    assert body["slots"] and not any(s["free"] for s in body["slots"])


def test_slots_of_a_closed_day_are_empty(api, club, table):
    club.opening_hours.filter(weekday=1).update(closed=True)

    body = api.get(f"/api/tables/{table.id}/slots/?date=2026-03-03").json()

    assert body["slots"] == [] and body["opens"] is None


def test_slots_with_a_malformed_date_are_400(api, table):
    response = api.get(f"/api/tables/{table.id}/slots/?date=03-02-2026")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_slots_of_an_unknown_table_are_404(api, db):
    response = api.get("/api/tables/99999/slots/")

    assert response.status_code == 404


def test_every_free_slot_of_the_list_can_be_booked(ann_api, table):
    slots = ann_api.get(f"/api/tables/{table.id}/slots/?date=2026-03-02").json()["slots"]
    first = next(s for s in slots if s["available"])

    end = datetime.fromisoformat(first["start"]) + timedelta(minutes=60)

    response = ann_api.post(
        "/api/bookings/",
        {"table": table.id, "start": first["start"], "end": end.isoformat()},
        format="json",
    )

    assert response.status_code == 201


# --- the read cache (floor_cached / table_slots_cached) --------------------------------------


def test_a_repeated_floor_read_at_the_same_version_takes_one_query(
    api, club, table, django_assert_num_queries
):
    api.get(f"/api/clubs/{club.id}/")

    with django_assert_num_queries(1):  # the club row (its floor version); the floor is cached
        response = api.get(f"/api/clubs/{club.id}/")

    assert response.json()["floor"]["tables"][0]["status"] == "free"


def test_a_booking_shows_on_the_next_floor_read_at_once(api, club, table, ann):
    from games import services

    api.get(f"/api/clubs/{club.id}/")
    services.booking_create(
        player=ann, table_id=table.id, start=msk(2026, 3, 2, 14, 30), end=msk(2026, 3, 2, 15, 30)
    )

    body = api.get(f"/api/clubs/{club.id}/").json()

    assert body["floor"]["tables"][0]["status"] == "reserved"
    assert body["version"] == club.floor_version + 1


def test_a_change_the_version_does_not_see_is_shown_once_the_cache_time_passes(
    api, club, table, ann, frozen, settings
):
    api.get(f"/api/clubs/{club.id}/")
    # Written behind the services' back (no version bump), like the clock changing a status.
    TableSessionFactory(table=table, started_at=msk(2026, 3, 2, 14), players=[ann])
    assert api.get(f"/api/clubs/{club.id}/").json()["floor"]["tables"][0]["status"] == "free"

    frozen.shift(settings.FLOOR_CACHE_SECONDS + 1)

    assert api.get(f"/api/clubs/{club.id}/").json()["floor"]["tables"][0]["status"] == "busy"


def test_a_write_stores_the_floor_it_published_for_the_next_reader(
    api, club, table, ann, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from games import services

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_create(
            player=ann, table_id=table.id, start=msk(2026, 3, 2, 18), end=msk(2026, 3, 2, 19)
        )

    with django_assert_num_queries(1):
        body = api.get(f"/api/clubs/{club.id}/").json()

    assert body["floor"]["tables"][0]["next_booking"]["start"] == "2026-03-02T18:00:00+03:00"


def test_the_club_topic_snapshot_sees_a_booking_at_once(club, table, ann):
    from games import services
    from realtime.topics import resolve

    topic, params = resolve(f"club:{club.id}")
    topic.snapshot(None, **params)
    services.booking_create(
        player=ann, table_id=table.id, start=msk(2026, 3, 2, 14, 30), end=msk(2026, 3, 2, 15, 30)
    )

    version, data = topic.snapshot(None, **params)

    assert version == club.floor_version + 1
    assert data["tables"][0]["status"] == "reserved"


def test_booked_slots_are_taken_on_the_next_slots_read_at_once(api, table, ann):
    from games import services

    url = f"/api/tables/{table.id}/slots/?date=2026-03-02"
    assert {s["start"][11:16]: s["free"] for s in api.get(url).json()["slots"]}["19:00"] is True
    services.booking_create(
        player=ann, table_id=table.id, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 20)
    )

    slots = {s["start"][11:16]: s["free"] for s in api.get(url).json()["slots"]}

    assert slots["19:00"] is False and slots["19:30"] is False


def test_past_slots_close_once_the_cache_time_passes(api, table, frozen, settings):
    url = f"/api/tables/{table.id}/slots/?date=2026-03-02"
    assert {s["start"][11:16]: s["free"] for s in api.get(url).json()["slots"]}["14:00"] is True

    frozen.shift(timedelta(minutes=1))

    slots = {s["start"][11:16]: s["free"] for s in api.get(url).json()["slots"]}
    assert slots["14:00"] is False
