"""Paying a share in Telegram against the fake Bot API: the invoice link, the pre-checkout
answer (ok / refused), `successful_payment` delivered twice → paid once; disabled without a
provider token."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from games import services
from games.models import Payment, Tariff
from games.tests.factories import TableFactory, TableSessionFactory
from notifications.tests.conftest import ok

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 3, 2, 13, 0, tzinfo=MSK)
URL = "/telegram/webhook/"
SECRET = "webhook-secret-1"


@pytest.fixture(autouse=True)
def provider(settings):
    settings.TELEGRAM_PAYMENT_PROVIDER_TOKEN = "381764678:TEST:provider"


@pytest.fixture
def bill(club, player):
    """Anna and Boris played an hour (60 000 kopecks): closed and split equally."""
    Tariff.objects.create(
        club=club,
        table_kind="pyramid",
        name="Day",
        price_per_hour=60000,
        weekdays=list(range(7)),
        start_time=time(0),
        end_time=time(0),
    )
    staff = UserFactory(username="desk", is_staff=True)
    boris = UserFactory(from_telegram=True, username="boris")
    session = TableSessionFactory(
        table=TableFactory(club=club, number=3, kind="pyramid"),
        started_at=START,
        players=[player, boris],
    )
    services.session_close(session_id=session.id, closed_by=staff, now=START + timedelta(hours=1))
    shares = services.session_split(session_id=session.id, mode="equal", actor=staff)
    return session, next(s for s in shares if s.player_id == player.pk)


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def _post(update):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                URL,
                data=json.dumps(update),
                content_type="application/json",
                HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET,
            )

    return _post


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def pre_checkout(update_id, share, amount, user):
    return {
        "update_id": update_id,
        "pre_checkout_query": {
            "id": f"pcq-{update_id}",
            "from": {"id": user.telegram_id, "is_bot": False, "first_name": "A"},
            "currency": "RUB",
            "total_amount": amount,
            "invoice_payload": f"share:{share.id}:{amount}",
        },
    }


def successful(update_id, share, amount, user, charge="tg-charge-1"):
    return {
        "update_id": update_id,
        "message": {
            "message_id": 10 + update_id,
            "from": {"id": user.telegram_id, "is_bot": False, "first_name": "A"},
            "chat": {"id": user.telegram_id, "type": "private"},
            "date": 0,
            "successful_payment": {
                "currency": "RUB",
                "total_amount": amount,
                "invoice_payload": f"share:{share.id}:{amount}",
                "telegram_payment_charge_id": charge,
                "provider_payment_charge_id": "prov-1",
            },
        },
    }


def test_the_player_gets_an_invoice_link_for_their_share(tg, bill, player):
    session, share = bill
    route = tg.post("/createInvoiceLink").mock(
        return_value=httpx.Response(200, json=ok("https://t.me/$invoice-abc"))
    )

    response = api_for(player).post(f"/api/shares/{share.id}/invoice/")

    assert response.status_code == 201
    assert response.json() == {
        "url": "https://t.me/$invoice-abc",
        "amount": 30000,
        "currency": "RUB",
        "share": share.id,
    }
    sent = json.loads(route.calls.last.request.content)
    assert sent["currency"] == "RUB"
    assert sent["provider_token"] == "381764678:TEST:provider"
    assert sent["prices"] == [{"label": sent["title"], "amount": 30000}]
    assert sent["payload"] == f"share:{share.id}:30000"


def test_no_provider_token_disables_paying_with_a_clear_message(tg, bill, player, settings):
    settings.TELEGRAM_PAYMENT_PROVIDER_TOKEN = ""
    _session, share = bill
    response = api_for(player).post(f"/api/shares/{share.id}/invoice/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["code"] == "payments_disabled"
    assert "desk" in response.json()["detail"]


def test_someone_elses_share_is_not_found(tg, bill):
    _session, share = bill
    response = api_for(UserFactory(username="eve")).post(f"/api/shares/{share.id}/invoice/")
    assert response.status_code == 404


def test_pre_checkout_is_answered_ok_while_the_share_is_unchanged(tg, post, bill, player):
    _session, share = bill
    route = tg.post("/answerPreCheckoutQuery").mock(return_value=httpx.Response(200, json=ok(True)))

    assert post(pre_checkout(1, share, 30000, player)).status_code == 200

    assert json.loads(route.calls.last.request.content) == {
        "pre_checkout_query_id": "pcq-1",
        "ok": True,
    }


def test_pre_checkout_is_refused_when_the_bill_changed(tg, post, bill, player):
    _session, share = bill
    route = tg.post("/answerPreCheckoutQuery").mock(return_value=httpx.Response(200, json=ok(True)))

    post(pre_checkout(2, share, 25000, player))

    sent = json.loads(route.calls.last.request.content)
    assert sent["ok"] is False and sent["error_message"]


def test_pre_checkout_is_refused_when_already_paid(tg, post, bill, player):
    session, share = bill
    services.payment_record(
        session_id=session.id,
        method="card",
        amount=30000,
        share_id=share.id,
        idempotency_key="desk-1",
        actor=None,
    )
    route = tg.post("/answerPreCheckoutQuery").mock(return_value=httpx.Response(200, json=ok(True)))

    post(pre_checkout(3, share, 30000, player))

    assert json.loads(route.calls.last.request.content)["ok"] is False


def test_successful_payment_delivered_twice_is_recorded_once(tg, post, bill, player):
    session, share = bill

    post(successful(4, share, 30000, player))
    post(successful(5, share, 30000, player))  # Telegram's redelivery under a new update id

    payments = Payment.objects.filter(session=session)
    assert [(p.method, p.amount, p.idempotency_key) for p in payments] == [
        ("online", 30000, "tg:tg-charge-1")
    ]
    session.refresh_from_db()
    assert session.paid_amount == 30000 and not session.paid and session.owed == 30000


def test_the_last_share_paid_in_telegram_closes_the_bill_paid(tg, post, bill, player):
    session, share = bill
    other = session.shares.exclude(pk=share.pk).get()
    services.payment_record(
        session_id=session.id,
        method="card",
        amount=other.amount,
        share_id=other.id,
        idempotency_key="desk-2",
        actor=None,
    )
    post(successful(6, share, 30000, player, charge="tg-charge-2"))
    session.refresh_from_db()
    assert session.paid


def test_closing_sends_each_player_the_itemised_bill(club, player):
    from games.models import CatalogueItem
    from notifications.models import Notification
    from notifications.rendering import render_html

    Tariff.objects.create(
        club=club,
        table_kind="pyramid",
        name="Day",
        price_per_hour=60000,
        weekdays=list(range(7)),
        start_time=time(0),
        end_time=time(0),
    )
    staff = UserFactory(username="desk2", is_staff=True)
    tea = CatalogueItem.objects.create(club=club, name="Tea", price=15000)
    session = TableSessionFactory(
        table=TableFactory(club=club, number=4, kind="pyramid"), started_at=START, players=[player]
    )
    services.session_add_item(
        session_id=session.id, item_id=tea.id, quantity=2, actor=staff, by_staff=True, now=START
    )
    services.session_close(session_id=session.id, closed_by=staff, now=START + timedelta(hours=1))

    note = Notification.objects.get(user=player, kind="session_bill")
    text = render_html(note.kind, note.payload, language="en", user=player)
    assert "Day, 60 min — 600.00 ₽" in text
    assert "Tea × 2 — 300.00 ₽" in text
    assert "Total: 900.00 ₽" in text
    ru = render_html(note.kind, note.payload, language="ru", user=player)
    assert "Итого: 900.00 ₽" in ru


@pytest.fixture
def deposit_booking(club, player):
    from games.models import Booking

    table = TableFactory(club=club, number=7, kind="pyramid")
    return Booking.objects.create(
        table=table,
        player=player,
        start=START + timedelta(days=1),
        end=START + timedelta(days=1, hours=2),
        deposit_amount=50000,
        deposit_status="pending",
        deposit_due_at=START + timedelta(minutes=15),
    )


def test_a_deposit_is_paid_in_telegram_once(tg, post, deposit_booking, player):
    from games.models import Booking

    tg.post("/createInvoiceLink").mock(return_value=httpx.Response(200, json=ok("https://t.me/$d")))
    answer = tg.post("/answerPreCheckoutQuery").mock(
        return_value=httpx.Response(200, json=ok(True))
    )
    response = api_for(player).post(f"/api/bookings/{deposit_booking.id}/deposit-invoice/")
    assert response.status_code == 201 and response.json()["amount"] == 50000

    payload = f"deposit:{deposit_booking.id}:50000"
    query = pre_checkout(20, deposit_booking, 50000, player)
    query["pre_checkout_query"]["invoice_payload"] = payload
    post(query)
    assert json.loads(answer.calls.last.request.content)["ok"] is True
    for update_id in (21, 22):
        update = successful(update_id, deposit_booking, 50000, player, charge="tg-dep-1")
        update["message"]["successful_payment"]["invoice_payload"] = payload
        post(update)

    deposit_booking.refresh_from_db()
    assert deposit_booking.deposit_status == Booking.Deposit.PAID
    assert Payment.objects.filter(booking=deposit_booking).count() == 1
    # paid: a second pre-checkout is refused
    query["update_id"] = 23
    post(query)
    assert json.loads(answer.calls.last.request.content)["ok"] is False
