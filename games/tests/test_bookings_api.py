"""POST /api/bookings/, GET /api/bookings/, POST /api/bookings/<id>/cancel/."""

from datetime import timedelta

import pytest

from games.models import Booking
from games.tests.conftest import msk
from games.tests.factories import BookingFactory, TableFactory

pytestmark = pytest.mark.usefixtures("frozen")


def book(client, table, start, end):
    return client.post(
        "/api/bookings/",
        {"table": table.id, "start": start.isoformat(), "end": end.isoformat()},
        format="json",
    )


def test_it_books_a_free_evening_slot(ann_api, ann, table):
    response = book(ann_api, table, msk(2026, 3, 2, 19, 0), msk(2026, 3, 2, 21, 0))

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["start"] == "2026-03-02T19:00:00+03:00"
    assert body["end"] == "2026-03-02T21:00:00+03:00"
    assert body["table"]["id"] == table.id
    booking = Booking.objects.get()
    assert (booking.player, booking.table, booking.start) == (ann, table, msk(2026, 3, 2, 19))


def test_it_reads_a_time_without_offset_as_club_local(ann_api, table):
    response = ann_api.post(
        "/api/bookings/",
        {"table": table.id, "start": "2026-03-02T19:00:00", "end": "2026-03-02T20:00:00"},
        format="json",
    )

    assert response.status_code == 201
    assert Booking.objects.get().start == msk(2026, 3, 2, 19, 0)


def test_it_accepts_utc_times_for_the_club_local_slot(ann_api, table):
    response = ann_api.post(
        "/api/bookings/",
        {"table": table.id, "start": "2026-03-02T16:00:00Z", "end": "2026-03-02T17:00:00Z"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["start"] == "2026-03-02T19:00:00+03:00"


def test_it_books_across_midnight_within_the_opening(ann_api, table):
    response = book(ann_api, table, msk(2026, 3, 2, 23, 30), msk(2026, 3, 3, 1, 30))

    assert response.status_code == 201
    assert Booking.objects.filter(end=msk(2026, 3, 3, 1, 30)).exists()


def test_it_books_after_midnight_in_the_previous_days_opening(ann_api, table):
    # Tuesday 00:30–01:30 belongs to Monday's opening (12:00–02:00).
    response = book(ann_api, table, msk(2026, 3, 3, 0, 30), msk(2026, 3, 3, 1, 30))

    assert response.status_code == 201


def test_it_refuses_past_closing_after_midnight(ann_api, table):
    response = book(ann_api, table, msk(2026, 3, 3, 1, 0), msk(2026, 3, 3, 3, 0))

    assert response.status_code == 400
    assert response.json()["code"] == "outside_opening_hours"
    assert not Booking.objects.exists()


def test_it_refuses_before_opening(ann_api, table):
    response = book(ann_api, table, msk(2026, 3, 3, 10, 0), msk(2026, 3, 3, 12, 0))

    assert response.status_code == 400
    assert response.json()["code"] == "outside_opening_hours"


def test_it_allows_friday_night_until_four(ann_api, table):
    response = book(ann_api, table, msk(2026, 3, 7, 2, 0), msk(2026, 3, 7, 4, 0))

    assert response.status_code == 201


def test_it_refuses_an_overlapping_booking_with_slot_taken(ann_api, ivan, table):
    BookingFactory(table=table, player=ivan, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 21))

    response = book(ann_api, table, msk(2026, 3, 2, 20, 0), msk(2026, 3, 2, 22, 0))

    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"
    assert Booking.objects.count() == 1


def test_it_allows_back_to_back_bookings(ann_api, ivan, table):
    BookingFactory(table=table, player=ivan, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 21))

    response = book(ann_api, table, msk(2026, 3, 2, 21, 0), msk(2026, 3, 2, 22, 0))

    assert response.status_code == 201


def test_a_cancelled_booking_frees_its_slot(ann_api, ivan, table):
    BookingFactory(
        table=table,
        player=ivan,
        start=msk(2026, 3, 2, 19),
        end=msk(2026, 3, 2, 21),
        status=Booking.Status.CANCELLED,
    )

    response = book(ann_api, table, msk(2026, 3, 2, 19, 0), msk(2026, 3, 2, 21, 0))

    assert response.status_code == 201


def test_the_same_time_on_another_table_is_free(ann_api, ivan, table, other_table):
    BookingFactory(table=table, player=ivan, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 21))

    response = book(ann_api, other_table, msk(2026, 3, 2, 19, 0), msk(2026, 3, 2, 21, 0))

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (msk(2026, 3, 2, 19, 0), msk(2026, 3, 2, 19, 30)),  # shorter than 60
        (msk(2026, 3, 2, 15, 0), msk(2026, 3, 2, 19, 30)),  # longer than 240
        (msk(2026, 3, 2, 19, 0), msk(2026, 3, 2, 19, 0)),  # empty
        (msk(2026, 3, 2, 20, 0), msk(2026, 3, 2, 19, 0)),  # reversed
    ],
)
def test_it_refuses_an_invalid_length(ann_api, table, start, end):
    response = book(ann_api, table, start, end)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_length"
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (msk(2026, 3, 2, 19, 10), msk(2026, 3, 2, 20, 10)),
        (msk(2026, 3, 2, 19, 0), msk(2026, 3, 2, 20, 15)),
        (msk(2026, 3, 2, 19, 0, 30), msk(2026, 3, 2, 20, 0, 30)),
    ],
)
def test_it_refuses_times_off_the_slot_step(ann_api, table, start, end):
    response = book(ann_api, table, start, end)

    assert response.status_code == 400
    assert response.json()["code"] == "misaligned"


def test_it_refuses_a_start_in_the_past(ann_api, table):
    response = book(ann_api, table, msk(2026, 3, 2, 13, 0), msk(2026, 3, 2, 14, 0))

    assert response.status_code == 400
    assert response.json()["code"] == "in_the_past"


def test_it_refuses_beyond_the_booking_horizon(ann_api, table):
    response = book(ann_api, table, msk(2026, 3, 17, 19, 0), msk(2026, 3, 17, 20, 0))

    assert response.status_code == 400
    assert response.json()["code"] == "too_far_ahead"


def test_it_refuses_more_than_the_active_booking_limit(ann_api, ann, club):
    for number, hour in ((5, 15), (6, 17), (7, 19)):
        BookingFactory(
            table=TableFactory(club=club, number=number),
            player=ann,
            start=msk(2026, 3, 3, hour),
            end=msk(2026, 3, 3, hour + 1),
        )
    target = TableFactory(club=club, number=8)

    response = book(ann_api, target, msk(2026, 3, 4, 19, 0), msk(2026, 3, 4, 20, 0))

    assert response.status_code == 409
    assert response.json()["code"] == "booking_limit"
    assert Booking.objects.filter(table=target).count() == 0


def test_past_and_cancelled_bookings_do_not_count_toward_the_limit(ann_api, ann, club, table):
    for number, status in ((5, "cancelled"), (6, "no_show"), (7, "cancelled")):
        BookingFactory(
            table=TableFactory(club=club, number=number),
            player=ann,
            status=status,
            start=msk(2026, 3, 3, 19),
            end=msk(2026, 3, 3, 20),
        )

    response = book(ann_api, table, msk(2026, 3, 4, 19, 0), msk(2026, 3, 4, 20, 0))

    assert response.status_code == 201


def test_it_refuses_a_table_out_of_service(ann_api, club):
    broken = TableFactory(club=club, number=9, in_service=False)

    response = book(ann_api, broken, msk(2026, 3, 2, 19, 0), msk(2026, 3, 2, 20, 0))

    assert response.status_code == 409
    assert response.json()["code"] == "table_out_of_service"


def test_it_answers_404_for_an_unknown_table(ann_api, club):
    response = ann_api.post(
        "/api/bookings/",
        {"table": 999999, "start": "2026-03-02T19:00:00+03:00", "end": "2026-03-02T20:00:00+03:00"},
        format="json",
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"table": "x", "start": "2026-03-02T19:00:00+03:00", "end": "2026-03-02T20:00:00+03:00"},
        {"table": 1, "start": "tomorrow", "end": "2026-03-02T20:00:00+03:00"},
        {"table": 1, "start": None, "end": None},
        {"table": -1, "start": "2026-03-02T19:00:00+03:00", "end": "2026-03-02T20:00:00+03:00"},
        [1, 2],
    ],
)
def test_it_answers_400_invalid_request_for_malformed_input(ann_api, table, payload):
    response = ann_api.post("/api/bookings/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert not Booking.objects.exists()


def test_it_refuses_anonymous_booking(api, table):
    response = book(api, table, msk(2026, 3, 2, 19, 0), msk(2026, 3, 2, 20, 0))

    assert response.status_code == 401


def test_my_bookings_lists_only_my_active_upcoming_ones(ann_api, ann, ivan, table, other_table):
    mine = BookingFactory(
        table=table, player=ann, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 20)
    )
    BookingFactory(
        table=other_table, player=ivan, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 20)
    )
    BookingFactory(
        table=table,
        player=ann,
        start=msk(2026, 3, 2, 21),
        end=msk(2026, 3, 2, 22),
        status=Booking.Status.CANCELLED,
    )

    response = ann_api.get("/api/bookings/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [b["id"] for b in results] == [mine.id]
    assert results[0]["can_cancel"] is True


def test_a_player_cancels_their_booking(ann_api, ann, table):
    booking = BookingFactory(
        table=table, player=ann, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 20)
    )

    response = ann_api.post(f"/api/bookings/{booking.id}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_it_refuses_to_cancel_after_the_deadline(ann_api, ann, table):
    # The deadline is 60 minutes before the start; 14:30 is 30 minutes before.
    booking = BookingFactory(
        table=table, player=ann, start=msk(2026, 3, 2, 14, 30), end=msk(2026, 3, 2, 16)
    )

    response = ann_api.post(f"/api/bookings/{booking.id}/cancel/")

    assert response.status_code == 409
    assert response.json()["code"] == "too_late_to_cancel"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_someone_elses_booking_is_not_found(ivan_api, ann, table):
    booking = BookingFactory(
        table=table, player=ann, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 20)
    )

    response = ivan_api.post(f"/api/bookings/{booking.id}/cancel/")

    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_cancelling_twice_is_a_conflict(ann_api, ann, table):
    booking = BookingFactory(
        table=table,
        player=ann,
        start=msk(2026, 3, 2, 19),
        end=msk(2026, 3, 2, 20),
        status=Booking.Status.CANCELLED,
    )

    response = ann_api.post(f"/api/bookings/{booking.id}/cancel/")

    assert response.status_code == 409
    assert response.json()["code"] == "not_cancellable"


def test_cancelling_an_unknown_booking_is_404(ann_api, db):
    response = ann_api.post("/api/bookings/424242/cancel/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_booking_publishes_the_floor_after_commit(
    ann_api, table, published, django_capture_on_commit_callbacks
):
    before = table.club.floor_version
    with django_capture_on_commit_callbacks(execute=True):
        response = book(ann_api, table, msk(2026, 3, 2, 14, 30), msk(2026, 3, 2, 16, 0))

    assert response.status_code == 201
    assert len(published) == 1
    message = published[0]
    assert message["topic"] == f"club:{table.club_id}"
    assert message["version"] == before + 1
    row = next(t for t in message["data"]["tables"] if t["id"] == table.id)
    assert row["status"] == "reserved"
    table.club.refresh_from_db()
    assert table.club.floor_version == before + 1


def test_a_refused_booking_publishes_nothing(
    ann_api, ivan, table, published, django_capture_on_commit_callbacks
):
    BookingFactory(table=table, player=ivan, start=msk(2026, 3, 2, 19), end=msk(2026, 3, 2, 21))
    with django_capture_on_commit_callbacks(execute=True):
        response = book(ann_api, table, msk(2026, 3, 2, 19, 0), msk(2026, 3, 2, 20, 0))

    assert response.status_code == 409
    assert published == []


def test_a_booking_pushes_my_bookings_to_me(
    ann_api, ann, table, monkeypatch, django_capture_on_commit_callbacks
):
    from realtime import broadcast

    pushed = []
    monkeypatch.setattr(
        broadcast, "publish_to_user", lambda uid, *, data, type="update": pushed.append((uid, data))
    )
    with django_capture_on_commit_callbacks(execute=True):
        book(ann_api, table, msk(2026, 3, 2, 19, 0), msk(2026, 3, 2, 20, 0))

    # Other apps may push their own sections (notifications); this one is the bookings section.
    sections = [(uid, data) for uid, data in pushed if "bookings" in data]
    assert [uid for uid, _ in sections] == [ann.id]
    assert sections[0][1]["bookings"][0]["start"] == "2026-03-02T19:00:00+03:00"


def test_the_club_time_zone_decides_the_day(ann_api, club, table):
    # 23:30 UTC Monday is 02:30 Tuesday in Moscow: after Monday's closing.
    response = ann_api.post(
        "/api/bookings/",
        {"table": table.id, "start": "2026-03-02T23:00:00Z", "end": "2026-03-03T00:00:00Z"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "outside_opening_hours"


def test_a_club_in_another_time_zone_uses_its_own_hours(ann_api, club, table):
    club.timezone = "Asia/Vladivostok"  # UTC+10: 14:00 Moscow is 21:00 there
    club.save()

    response = ann_api.post(
        "/api/bookings/",
        {
            "table": table.id,
            "start": "2026-03-02T22:00:00+10:00",
            "end": "2026-03-02T23:00:00+10:00",
        },
        format="json",
    )
    in_the_past = ann_api.post(
        "/api/bookings/",
        {"table": table.id, "start": "2026-03-02T19:00:00", "end": "2026-03-02T20:00:00"},
        format="json",
    )

    assert response.status_code == 201
    assert in_the_past.status_code == 400
    assert in_the_past.json()["code"] == "in_the_past"
    assert timedelta(0) == Booking.objects.get().start - msk(2026, 3, 2, 15, 0)


def test_the_past_bookings_flag_is_a_boolean_and_a_bad_one_is_400(ann_api, ann, table):
    BookingFactory(player=ann, table=table, start=msk(2026, 3, 1, 19), end=msk(2026, 3, 1, 20))

    assert ann_api.get("/api/bookings/").json()["results"] == []
    assert len(ann_api.get("/api/bookings/?all=1").json()["results"]) == 1
    assert len(ann_api.get("/api/bookings/?all=true").json()["results"]) == 1
    response = ann_api.get("/api/bookings/?all=maybe")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_request"
    assert list(body["errors"]) == ["all"]
