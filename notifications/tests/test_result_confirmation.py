"""Result confirmation messages: the other side is asked (bot buttons, inbox item), the bot's
Confirm / Dispute buttons work, and both sides hear how the result was settled."""

import json
import uuid

import httpx
import pytest

from accounts.tests.factories import UserFactory
from core.errors import Conflict
from games.models import Match
from games.scoring import results
from games.tests.scoring.factories import add_event, make_match
from notifications import rendering
from notifications.models import Notification
from notifications.tests.conftest import ok

URL = "/telegram/webhook/"
SECRET = "webhook-secret-1"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET


@pytest.fixture
def ivan_tg(db):
    return UserFactory(from_telegram=True, username="ivan-tg", first_name="Ivan")


@pytest.fixture
def pending(player, ivan_tg):
    """Anna beat Ivan 2:0 and entered it herself: Ivan is asked to confirm."""
    match = make_match([player], [ivan_tg])
    add_event(match, {"type": "rack", "side": 0}, actor=player)
    add_event(match, {"type": "rack", "side": 0}, actor=player)
    assert match.result_status == Match.ResultStatus.PENDING
    return match


def callback(update_id, user, data):
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cbq-{update_id}",
            "from": {"id": user.telegram_id, "first_name": "X"},
            "data": data,
            "message": {"message_id": 3, "chat": {"id": user.telegram_id, "type": "private"}},
        },
    }


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


def test_the_other_side_is_asked_with_confirm_and_dispute_buttons(pending, ivan_tg, player):
    row = Notification.objects.get(user=ivan_tg, kind="result_confirm")

    assert row.payload["match_id"] == pending.pk
    assert (row.payload["score"], row.payload["won"]) == ("0:2", False)
    markup = rendering.reply_markup(row)
    data = [b.get("callback_data") for line in markup["inline_keyboard"] for b in line]
    assert f"res:c:{pending.pk}" in data and f"res:d:{pending.pk}" in data
    assert rendering.start_param(row.kind, row.payload) == f"match-{pending.pk}"
    assert not Notification.objects.filter(user=player, kind="result_confirm").exists()


def test_the_asked_side_gets_the_request_instead_of_the_result(pending, ivan_tg, player):
    mine = Notification.objects.get(user=player, kind="match_result")

    assert not Notification.objects.filter(user=ivan_tg, kind="match_result").exists()
    assert mine.payload["pending"] is True
    text = rendering.render_html(mine.kind, mine.payload, language="en")
    assert "It counts for ratings once Ivan" in text


def test_the_request_renders_in_both_languages(pending, ivan_tg):
    row = Notification.objects.get(user=ivan_tg, kind="result_confirm")

    en = rendering.render_html(row.kind, row.payload, language="en")
    ru = rendering.render_html(row.kind, row.payload, language="ru")

    assert "Anna" in en and "0:2" in en and "confirm" in en
    assert "подтвердите" in ru


def test_no_one_is_asked_about_a_result_scored_by_staff(player, ivan_tg):
    desk = UserFactory(username="desk-n", is_staff=True)
    match = make_match([player], [ivan_tg])
    add_event(match, {"type": "rack", "side": 1}, actor=desk)
    add_event(match, {"type": "rack", "side": 1}, actor=desk)

    assert not Notification.objects.filter(kind="result_confirm").exists()


def test_the_confirm_button_confirms_and_tells_the_scorer(post, tg, pending, ivan_tg, player):
    answer = tg.post("/answerCallbackQuery").mock(return_value=httpx.Response(200, json=ok(True)))
    edit = tg.post("/editMessageReplyMarkup").mock(return_value=httpx.Response(200, json=ok(True)))
    tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))

    response = post(callback(70, ivan_tg, f"res:c:{pending.pk}"))

    assert response.status_code == 200
    assert answer.call_count == 1 and edit.call_count == 1
    pending.refresh_from_db()
    assert pending.result_status == Match.ResultStatus.CONFIRMED
    told = Notification.objects.get(user=player, kind="result_update")
    assert told.payload["action"] == "confirm"
    request = Notification.objects.get(user=ivan_tg, kind="result_confirm")
    assert request.status in (Notification.Status.CANCELLED, Notification.Status.SENT)


def test_the_dispute_button_disputes(post, tg, pending, ivan_tg, player):
    tg.post("/answerCallbackQuery").mock(return_value=httpx.Response(200, json=ok(True)))
    tg.post("/editMessageReplyMarkup").mock(return_value=httpx.Response(200, json=ok(True)))
    tg.post("/sendMessage").mock(return_value=httpx.Response(200, json=ok()))

    post(callback(71, ivan_tg, f"res:d:{pending.pk}"))

    pending.refresh_from_db()
    assert pending.result_status == Match.ResultStatus.DISPUTED
    assert Notification.objects.get(user=player, kind="result_update").payload["action"] == (
        "dispute"
    )


def test_the_scorers_own_button_press_is_refused_with_an_alert(post, tg, pending, player):
    answer = tg.post("/answerCallbackQuery").mock(return_value=httpx.Response(200, json=ok(True)))

    post(callback(72, player, f"res:c:{pending.pk}"))

    pending.refresh_from_db()
    assert pending.result_status == Match.ResultStatus.PENDING
    assert b"show_alert" in answer.calls[0].request.content


def test_a_staff_void_tells_both_sides(pending, ivan_tg, player):
    desk = UserFactory(username="desk-v", is_staff=True)

    results.match_result_void(match_id=pending.pk, actor=desk)

    for user in (player, ivan_tg):
        row = Notification.objects.get(user=user, kind="result_update")
        assert row.payload["action"] == "void"
    text = rendering.render_html("result_update", row.payload, language="en")
    assert "voided" in text


def test_a_reopen_request_asks_the_other_side(pending, player, ivan_tg):
    from games.scoring.services import match_undo

    pending.refresh_from_db()
    with pytest.raises(Conflict):
        match_undo(
            match_id=pending.pk,
            actor=player,
            expected_version=pending.version,
            client_event_id=uuid.uuid4(),
        )

    row = Notification.objects.get(user=ivan_tg, kind="result_update")
    assert row.payload["action"] == "reopen_request"


def test_a_staff_correction_tells_both_sides_the_new_result(pending, player, ivan_tg):
    from games.scoring.services import match_correct

    desk = UserFactory(username="desk-c", is_staff=True)
    results.match_result_dispute(match_id=pending.pk, actor=ivan_tg)

    match_correct(match_id=pending.pk, actor=desk, frames=[2, 1])

    mine = Notification.objects.get(user=player, kind="match_result", payload__score="2:1")
    theirs = Notification.objects.get(user=ivan_tg, kind="match_result", payload__score="1:2")
    assert mine.payload["pending"] is False and theirs.payload["won"] is False
