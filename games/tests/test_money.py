"""Money at the table (issue 18): pause, transfer, players, items, discount, split, payments,
refunds and the shift — services, the player's API, the audit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models_audit import AuditRecord
from accounts.tests.factories import UserFactory
from games import errors, selectors, services
from games.models import (
    CatalogueItem,
    Match,
    MatchSide,
    Payment,
    SessionItem,
    SessionShare,
    TableSession,
)
from games.tests.conftest import DAY_PRICE, EVENING_PRICE, msk
from games.tests.factories import TableSessionFactory

START = msk(2026, 3, 2, 13)  # Monday, day tariff


@pytest.fixture(autouse=True)
def _clock(frozen):
    """The running bills pushed on every change are computed up to the (frozen) clock."""


@pytest.fixture
def session(table, ann, ivan):
    return TableSessionFactory(table=table, started_at=START, players=[ann, ivan])


@pytest.fixture
def beer(club):
    return CatalogueItem.objects.create(club=club, name="Beer", category="drink", price=35000)


@pytest.fixture
def cue(club):
    return CatalogueItem.objects.create(club=club, name="Cue", category="rental", price=20000)


@pytest.fixture
def shift(club, staff_user):
    return services.shift_open(
        club_id=club.id, actor=staff_user, opening_cash=500000, now=START - timedelta(hours=1)
    )


def close(session, staff_user, at):
    return services.session_close(session_id=session.id, closed_by=staff_user, now=at)


# --- pause, transfer, players ---------------------------------------------------------------


def test_paused_minutes_are_not_billed_and_show_on_the_bill(session, staff_user):
    services.session_pause(session_id=session.id, actor=staff_user, now=msk(2026, 3, 2, 13, 30))
    with pytest.raises(errors.SessionPaused):
        services.session_pause(session_id=session.id, actor=staff_user, now=msk(2026, 3, 2, 13, 31))
    services.session_resume(session_id=session.id, actor=staff_user, now=msk(2026, 3, 2, 14))
    with pytest.raises(errors.SessionNotPaused):
        services.session_resume(session_id=session.id, actor=staff_user)

    closed = close(session, staff_user, msk(2026, 3, 2, 15))

    assert closed.minutes == 90
    assert closed.paused_minutes == 30
    assert closed.amount == DAY_PRICE * 3 // 2


def test_a_session_closed_while_paused_is_billed_up_to_the_pause(session, staff_user):
    services.session_pause(session_id=session.id, actor=staff_user, now=msk(2026, 3, 2, 14))
    closed = close(session, staff_user, msk(2026, 3, 2, 16))
    assert closed.minutes == 60
    assert closed.paused_minutes == 120


def test_a_transfer_bills_each_stretch_at_its_own_tables_tariffs(
    session, staff_user, other_table, club
):
    from games.tests.factories import TariffFactory

    TariffFactory(
        club=club,
        table_kind="pool",
        name="Pool promo",
        price_per_hour=30000,
        weekdays=[0],
        start_time=msk(2026, 3, 2, 0).time(),
        end_time=msk(2026, 3, 2, 18).time(),
        priority=5,
    )
    moved = services.session_transfer(
        session_id=session.id, to_table_id=other_table.id, actor=staff_user, now=msk(2026, 3, 2, 14)
    )
    assert moved.table_id == other_table.id

    closed = close(moved, staff_user, msk(2026, 3, 2, 15))

    lines = [(line.table_id, line.tariff_name, line.minutes) for line in closed.bill_lines.all()]
    assert lines == [(session.table_id, "Day", 60), (other_table.id, "Pool promo", 60)]
    assert closed.amount == DAY_PRICE + 30000


def test_a_transfer_needs_a_free_table(session, staff_user, other_table, ann):
    TableSessionFactory(table=other_table, started_at=START)
    with pytest.raises(errors.TableBusy):
        services.session_transfer(
            session_id=session.id, to_table_id=other_table.id, actor=staff_user
        )
    with pytest.raises(errors.SameTable):
        services.session_transfer(
            session_id=session.id, to_table_id=session.table_id, actor=staff_user
        )


def test_players_join_and_leave_and_the_time_split_follows(session, staff_user, ann, ivan):
    olga = UserFactory(username="olga", first_name="Olga")
    services.session_add_player(
        session_id=session.id, player=olga, actor=staff_user, now=msk(2026, 3, 2, 14)
    )
    with pytest.raises(errors.PlayerAlreadyIn):
        services.session_add_player(session_id=session.id, player=olga, actor=staff_user)
    services.session_remove_player(
        session_id=session.id, player=ivan, actor=staff_user, now=msk(2026, 3, 2, 14)
    )
    closed = close(session, staff_user, msk(2026, 3, 2, 15))  # 2 h at the day price

    shares = services.session_split(session_id=closed.id, mode="time", actor=staff_user)

    by_player = {s.player_id: s.amount for s in shares}
    # Ann 2 h, Ivan 1 h, Olga 1 h of 120 000 kopecks
    assert by_player == {ann.pk: 60000, ivan.pk: 30000, olga.pk: 30000}
    assert sum(by_player.values()) == closed.amount


# --- items and discounts --------------------------------------------------------------------


def test_a_player_adds_items_to_their_session_from_the_mini_app(session, ann_api, ann, beer):
    response = ann_api.post(
        f"/api/sessions/{session.id}/items/",
        {"item": beer.id, "quantity": 2, "request_id": "r1"},
        format="json",
    )
    assert response.status_code == 201
    money = response.json()["money"]
    assert [(i["name"], i["quantity"], i["amount"], i["added_by"]) for i in money["items"]] == [
        ("Beer", 2, 70000, ann.display_name)
    ]
    again = ann_api.post(
        f"/api/sessions/{session.id}/items/",
        {"item": beer.id, "quantity": 2, "request_id": "r1"},
        format="json",
    )
    assert again.status_code == 201
    assert SessionItem.objects.filter(session=session).count() == 1  # a retry adds nothing


def test_a_stranger_cannot_add_to_a_session(session, beer):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(UserFactory(username="stranger"))
    response = client.post(f"/api/sessions/{session.id}/items/", {"item": beer.id}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_in_session"
    assert not SessionItem.objects.exists()


def test_an_unavailable_item_is_refused(session, ann_api, beer):
    beer.is_available = False
    beer.save()
    response = ann_api.post(f"/api/sessions/{session.id}/items/", {"item": beer.id}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "item_unavailable"


def test_bad_quantity_is_a_400(session, ann_api, beer):
    response = ann_api.post(
        f"/api/sessions/{session.id}/items/", {"item": beer.id, "quantity": 0}, format="json"
    )
    assert response.status_code == 400


def test_the_catalogue_lists_available_items(api, club, beer, cue):
    cue.is_available = False
    cue.save()
    response = api.get(f"/api/clubs/{club.id}/catalogue/")
    assert response.status_code == 200
    assert [i["name"] for i in response.json()["results"]] == ["Beer"]


def test_items_and_the_discount_make_the_total(session, staff_user, beer, cue):
    services.session_add_item(
        session_id=session.id, item_id=beer.id, quantity=2, actor=staff_user, by_staff=True
    )
    line = services.session_add_item(
        session_id=session.id, item_id=cue.id, quantity=1, actor=staff_user, by_staff=True
    )
    with pytest.raises(errors.ReasonRequired):
        services.session_remove_item(line_id=line.id, actor=staff_user, reason=" ")
    services.session_remove_item(line_id=line.id, actor=staff_user, reason="wrong table")
    with pytest.raises(errors.ReasonRequired):
        services.session_set_discount(
            session_id=session.id, actor=staff_user, percent=10, reason=""
        )
    services.session_set_discount(
        session_id=session.id, actor=staff_user, percent=10, reason="regular"
    )

    closed = close(session, staff_user, msk(2026, 3, 2, 14))

    assert closed.time_amount == DAY_PRICE
    assert closed.items_amount == 70000
    assert closed.discount == (DAY_PRICE + 70000) // 10
    assert closed.amount == DAY_PRICE + 70000 - closed.discount
    line.refresh_from_db()
    assert line.removal_reason == "wrong table" and line.removed_by == staff_user


def test_a_discount_never_makes_the_bill_negative(session, staff_user):
    services.session_set_discount(
        session_id=session.id, actor=staff_user, amount=10**9, reason="owner's friend"
    )
    closed = close(session, staff_user, msk(2026, 3, 2, 14))
    assert closed.amount == 0
    assert closed.paid  # nothing to pay


def test_staff_changes_to_the_bill_are_audited(client, session, staff_user, beer):
    from accounts.audit import current_request

    class Request:
        user = staff_user
        path = "/admin/games/today/"
        method = "POST"

    token = current_request.set(Request())
    try:
        line = services.session_add_item(
            session_id=session.id, item_id=beer.id, quantity=1, actor=staff_user, by_staff=True
        )
        services.session_remove_item(line_id=line.id, actor=staff_user, reason="spilt")
        services.session_set_discount(
            session_id=session.id, actor=staff_user, amount=5000, reason="late start"
        )
    finally:
        current_request.reset(token)
    labels = {label.lower() for label in AuditRecord.objects.values_list("object_type", flat=True)}
    assert {"games.sessionitem", "games.tablesession"} <= labels


# --- split and payments ---------------------------------------------------------------------


def test_an_equal_split_sums_to_the_bill(session, staff_user, ann, ivan):
    olga = UserFactory(username="olga")
    services.session_add_player(session_id=session.id, player=olga, actor=staff_user, now=START)
    closed = close(session, staff_user, msk(2026, 3, 2, 13, 1))  # 1 min: 1000 kopecks
    shares = services.session_split(session_id=closed.id, mode="equal", actor=staff_user)
    assert sorted(s.amount for s in shares) == [333, 333, 334]
    assert sum(s.amount for s in shares) == closed.amount


def test_the_loser_pays_the_table_time(session, staff_user, ann, ivan, beer):
    services.session_add_item(
        session_id=session.id, item_id=beer.id, quantity=2, actor=staff_user, by_staff=True
    )
    for _ in range(2):
        match = Match.objects.create(
            discipline="pyramid_free",
            format={"race_to": 1},
            state={},
            finished_at=START,
            session=session,
            table=session.table,
            status=Match.Status.FINISHED,
            winner_side=0,
        )
        MatchSide.objects.create(match=match, index=0).players.add(ann)
        MatchSide.objects.create(match=match, index=1).players.add(ivan)
    closed = close(session, staff_user, msk(2026, 3, 2, 14))

    shares = {
        s.player_id: s.amount
        for s in services.session_split(session_id=closed.id, mode="loser", actor=staff_user)
    }

    assert shares == {ann.pk: 35000, ivan.pk: DAY_PRICE + 35000}


def test_partial_payments_and_cash_change_close_the_bill_paid(session, staff_user, shift):
    closed = close(session, staff_user, msk(2026, 3, 2, 14))  # 60 000
    card, _ = services.payment_record(
        session_id=closed.id, method="card", amount=20000, idempotency_key="k1", actor=staff_user
    )
    closed.refresh_from_db()
    assert not closed.paid and closed.owed == 40000
    with pytest.raises(errors.Overpayment):
        services.payment_record(
            session_id=closed.id,
            method="card",
            amount=50000,
            idempotency_key="k2",
            actor=staff_user,
        )
    with pytest.raises(errors.NotEnoughTendered):
        services.payment_record(
            session_id=closed.id,
            method="cash",
            amount=40000,
            tendered=30000,
            idempotency_key="k3",
            actor=staff_user,
        )
    cash, created = services.payment_record(
        session_id=closed.id,
        method="cash",
        amount=40000,
        tendered=50000,
        idempotency_key="k4",
        actor=staff_user,
    )
    assert created and cash.change == 10000 and cash.shift == shift
    closed.refresh_from_db()
    assert closed.paid and closed.owed == 0 and closed.paid_amount == 60000


def test_a_retried_payment_is_answered_not_charged_twice(session, staff_user):
    closed = close(session, staff_user, msk(2026, 3, 2, 14))
    first, created = services.payment_record(
        session_id=closed.id, method="card", amount=10000, idempotency_key="same", actor=staff_user
    )
    again, created_again = services.payment_record(
        session_id=closed.id, method="card", amount=10000, idempotency_key="same", actor=staff_user
    )
    assert created and not created_again and again.pk == first.pk
    closed.refresh_from_db()
    assert closed.paid_amount == 10000
    with pytest.raises(errors.IdempotencyKeyReused):
        services.payment_record(
            session_id=closed.id,
            method="card",
            amount=999,
            idempotency_key="same",
            actor=staff_user,
        )


def test_cash_needs_the_shift_open(session, staff_user):
    closed = close(session, staff_user, msk(2026, 3, 2, 14))
    with pytest.raises(errors.ShiftNotOpen):
        services.payment_record(
            session_id=closed.id, method="cash", amount=100, idempotency_key="c", actor=staff_user
        )


def test_a_share_is_paid_and_the_bill_stays_owed_with_the_rest(session, staff_user, ann):
    closed = close(session, staff_user, msk(2026, 3, 2, 14))
    shares = services.session_split(session_id=closed.id, mode="equal", actor=staff_user)
    mine = next(s for s in shares if s.player_id == ann.pk)
    services.payment_record(
        session_id=closed.id,
        method="card",
        amount=mine.amount,
        share_id=mine.id,
        idempotency_key="ann",
        actor=staff_user,
    )
    with pytest.raises(errors.Overpayment):
        services.payment_record(
            session_id=closed.id,
            method="card",
            amount=1,
            share_id=mine.id,
            idempotency_key="ann2",
            actor=staff_user,
        )
    with pytest.raises(errors.BillLocked):
        services.session_split(session_id=closed.id, mode="equal", actor=staff_user)
    view = selectors.session_view(TableSession.objects.get(pk=closed.pk))
    assert view["money"]["owed"] == 30000
    assert {s["player"]: s["left"] for s in view["money"]["shares"]}[ann.pk] == 0


def test_a_refund_makes_the_bill_owed_again(session, staff_user, shift):
    closed = close(session, staff_user, msk(2026, 3, 2, 14))
    payment, _ = services.payment_record(
        session_id=closed.id, method="cash", amount=60000, idempotency_key="p", actor=staff_user
    )
    refund, _ = services.payment_refund(
        payment_id=payment.id,
        amount=10000,
        actor=staff_user,
        reason="cold tea",
        idempotency_key="r",
    )
    services.payment_refund(
        payment_id=payment.id,
        amount=10000,
        actor=staff_user,
        reason="cold tea",
        idempotency_key="r",
    )
    with pytest.raises(errors.RefundTooLarge):
        services.payment_refund(
            payment_id=payment.id, amount=50001, actor=staff_user, reason="x", idempotency_key="r2"
        )
    closed.refresh_from_db()
    assert refund.kind == Payment.Kind.REFUND
    assert closed.paid_amount == 50000 and not closed.paid and closed.owed == 10000


# --- the shift ------------------------------------------------------------------------------


def test_the_shift_report_and_the_cash_difference(
    session, staff_user, shift, beer, club, other_table
):
    services.session_add_item(
        session_id=session.id, item_id=beer.id, quantity=1, actor=staff_user, by_staff=True
    )
    closed = close(session, staff_user, msk(2026, 3, 2, 14))  # 60 000 + 35 000
    services.payment_record(
        session_id=closed.id,
        method="cash",
        amount=50000,
        tendered=50000,
        idempotency_key="a",
        actor=staff_user,
        now=msk(2026, 3, 2, 14, 1),
    )
    services.payment_record(
        session_id=closed.id, method="card", amount=40000, idempotency_key="b", actor=staff_user
    )
    owed = TableSessionFactory(table=other_table, started_at=msk(2026, 3, 2, 18))
    close(owed, staff_user, msk(2026, 3, 2, 19))  # 90 000 owed
    with pytest.raises(errors.ShiftAlreadyOpen):
        services.shift_open(club_id=club.id, actor=staff_user, opening_cash=0)

    closed_shift = services.shift_close(
        shift_id=shift.id, actor=staff_user, counted_cash=549000, now=msk(2026, 3, 2, 23)
    )

    report = selectors.shift_report(closed_shift)
    assert report["by_method"] == {"card": 40000, "cash": 50000}
    assert report["by_item"] == {"Beer": {"quantity": 1, "amount": 35000}}
    assert report["by_table"] == {str(session.table): DAY_PRICE, str(other_table): EVENING_PRICE}
    assert report["owed_total"] == 5000 + EVENING_PRICE
    assert closed_shift.expected_cash == 550000
    assert closed_shift.cash_difference == -1000
    with pytest.raises(errors.ShiftClosed):
        services.shift_close(shift_id=shift.id, actor=staff_user, counted_cash=0)


def test_the_player_sees_the_running_bill_with_items_and_pause(session, ann_api, staff_user, beer):
    services.session_add_item(
        session_id=session.id, item_id=beer.id, quantity=1, actor=staff_user, by_staff=True
    )
    services.session_pause(session_id=session.id, actor=staff_user, now=msk(2026, 3, 2, 13, 30))
    response = ann_api.get("/api/sessions/current/")
    assert response.status_code == 200
    money = response.json()["session"]["money"]
    assert money["paused"] is True
    assert money["paused_minutes"] == 30
    assert money["time"] == DAY_PRICE // 2
    assert money["total"] == DAY_PRICE // 2 + 35000


def test_after_close_the_player_sees_the_unpaid_bill(session, ann_api, staff_user):
    close(session, staff_user, msk(2026, 3, 2, 14))
    services.session_split(session_id=session.id, mode="equal", actor=staff_user)
    body = ann_api.get("/api/sessions/current/").json()
    assert body["session"] is None
    assert [b["money"]["owed"] for b in body["bills"]] == [DAY_PRICE]
    assert len(body["bills"][0]["money"]["shares"]) == 2
    assert SessionShare.objects.count() == 2
