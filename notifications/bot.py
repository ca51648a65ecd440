"""The bot's side of the conversation: Telegram updates in, replies out.

Updates arrive through the webhook (`webhook.py`) or `manage.py bot_polling`; both record the
update (`update_record`: a repeated `update_id` is ignored) and hand it to Celery
(`tasks.process_update`), which calls `update_handle` here once.

Handled:
* `/start [payload]` — welcome and a button opening the Mini App (at the screen the payload
  names, when it is one the app knows: validated by `rendering.START_PARAM_RE`); turns bot
  messages back on and clears "unreachable".
* `/stop` — opt out of bot messages (they still show in the app's inbox).
* callback `inv:a:<id>` / `inv:d:<id>` — accept / decline a match invite.
* callback `res:c:<match id>` / `res:d:<match id>` — confirm / dispute a match result (the
  games.scoring.results services decide who may; a repeat answers the same).
* `pre_checkout_query` and a message's `successful_payment` — paying a bill share
  (`payments.py`).
Any message from a user clears "unreachable" (they can be written to again).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from functools import partial

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.queue import enqueue
from games.scoring import results
from notifications import payments, ratelimit, rendering, telegram
from notifications.invites import invite_respond
from notifications.models import ProcessedUpdate
from notifications.preferences import user_mark_reachable

logger = logging.getLogger(__name__)

_START_RE = re.compile(r"^/start(?:@\w+)?(?:\s+(\S+))?\s*$")
_STOP_RE = re.compile(r"^/stop(?:@\w+)?\s*$")
_INVITE_CB_RE = re.compile(r"^inv:([ad]):(\d{1,12})$")
_RESULT_CB_RE = re.compile(r"^res:([cd]):(\d{1,12})$")
# An update received but not handled after this long is handed to Celery again by the sweep.
RESWEEP_AFTER = timedelta(minutes=2)
# The Celery task that handles one stored update (notifications/tasks.py).
PROCESS_UPDATE_TASK = "notifications.process_update"


def update_record(update: dict) -> bool:
    """Store an update once; True when it is new (and queued for handling after commit)."""
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise ValueError("update_id must be an integer")
    if not 0 <= update_id < 2**63:  # Telegram's ids are positive and fit the bigint column
        raise ValueError("update_id out of range")
    try:
        with transaction.atomic():
            ProcessedUpdate.objects.create(update_id=update_id, payload=update)
            transaction.on_commit(partial(_enqueue, update_id))
    except IntegrityError:
        return False
    return True


def _enqueue(update_id: int) -> None:

    try:
        # By name: the task module sits above this one (it imports the bot).
        enqueue(PROCESS_UPDATE_TASK, update_id)
    except Exception as exc:  # noqa: BLE001 - the sweep re-queues unhandled updates
        logger.warning("telegram update %s not enqueued (%s)", update_id, exc)


# Update ids are kept this long to recognise Telegram's redeliveries (it gives up after a day).
KEEP_UPDATES = timedelta(days=7)


def updates_prune() -> int:
    """Forget handled updates older than KEEP_UPDATES (the sweep calls it)."""
    deleted, _rows = ProcessedUpdate.objects.filter(
        handled_at__isnull=False, received_at__lt=timezone.now() - KEEP_UPDATES
    ).delete()
    return deleted


def updates_resweep() -> int:
    """Handle updates whose task was lost (broker down when they came)."""
    stale = list(
        ProcessedUpdate.objects.filter(
            handled_at__isnull=True, received_at__lte=timezone.now() - RESWEEP_AFTER
        ).values_list("update_id", flat=True)[:100]
    )
    for update_id in stale:
        update_handle(update_id=update_id)
    return len(stale)


def update_handle(*, update_id: int) -> None:
    """Act on a stored update exactly once (claimed under a row lock, marked handled)."""
    with transaction.atomic():
        row = (
            ProcessedUpdate.objects.select_for_update(skip_locked=True)
            .filter(update_id=update_id, handled_at__isnull=True)
            .first()
        )
        if row is None:
            return
        row.handled_at = timezone.now()
        row.save(update_fields=["handled_at"])
        update = row.payload
    # Replies are sent after the claim committed: a crash while replying never replays the
    # update's effects (an invite answered twice), at worst a reply is lost.
    try:
        _dispatch(update)
    except telegram.TelegramError as exc:
        logger.warning("telegram update %s: reply failed: %s", update_id, exc)


def _user_for(from_: dict | None):
    if not from_ or not isinstance(from_.get("id"), int):
        return None
    return get_user_model().objects.filter(telegram_id=from_["id"]).first()


def _language(from_: dict | None, user) -> str:
    if user is not None and user.language:
        return user.language
    code = str((from_ or {}).get("language_code") or "")
    return "ru" if code.startswith("ru") else "en"


def _dispatch(update: dict) -> None:
    if "callback_query" in update:
        _callback(update["callback_query"])
        return
    if "pre_checkout_query" in update:
        query = update["pre_checkout_query"]
        with translation.override(_language(query.get("from"), _user_for(query.get("from")))):
            payments.pre_checkout_answer(query)
        return
    message = update.get("message") or {}
    if "successful_payment" in message:
        payments.successful_payment_record(message)
        return
    text = message.get("text")
    chat = message.get("chat") or {}
    if not isinstance(text, str) or chat.get("type") != "private":
        return
    from_ = message.get("from")
    user = _user_for(from_)
    if user is not None:
        user_mark_reachable(user=user)
    language = _language(from_, user)
    with translation.override(language):
        if match := _START_RE.match(text.strip()):
            _start(chat["id"], user, match.group(1))
        elif _STOP_RE.match(text.strip()):
            _stop(chat["id"], user)


def _send(chat_id: int, text: str, markup: dict | None = None) -> None:
    wait = ratelimit.acquire(chat_id)
    if wait is not None:
        telegram._sleep(wait)
    telegram.get_client().send_message(chat_id, text, reply_markup=markup)


def _start(chat_id: int, user, payload: str | None) -> None:
    param = payload if payload and rendering.START_PARAM_RE.fullmatch(payload) else None
    if user is not None and not user.notifications_enabled:
        user.notifications_enabled = True
        user.save(update_fields=["notifications_enabled"])
    greeting = _("Hello, %(name)s!") % {"name": user.display_name} if user else _("Hello!")
    text = "\n".join(
        [
            f"<b>{greeting}</b>",
            _(
                "This is the club's bot: booking reminders, match invites and results come here. "
                "Open the app to see the floor, book a table and score your match."
            ),
            _("Send /stop to turn bot messages off."),
        ]
    )
    button = rendering.miniapp_button(_("Open the club app"), param)
    _send(chat_id, text, telegram.inline_keyboard([[button]]) if button else None)


def _stop(chat_id: int, user) -> None:
    if user is not None and user.notifications_enabled:
        user.notifications_enabled = False
        user.save(update_fields=["notifications_enabled"])
    _send(
        chat_id,
        _(
            "Bot messages are off. You will still see them in the app's inbox. "
            "Send /start to turn them on again."
        ),
    )


def _callback(query: dict) -> None:
    query_id = str(query.get("id") or "")
    data = str(query.get("data") or "")
    from_ = query.get("from")
    user = _user_for(from_)
    client = telegram.get_client()
    with translation.override(_language(from_, user)):
        if (result := _RESULT_CB_RE.match(data)) and user is not None:
            _result_callback(
                query, user, confirm=result.group(1) == "c", match_id=int(result.group(2))
            )
            return
        match = _INVITE_CB_RE.match(data)
        if match is None or user is None:
            client.answer_callback_query(query_id, text=_("This button is no longer valid."))
            return
        user_mark_reachable(user=user)
        accept = match.group(1) == "a"
        try:
            invite_respond(user=user, invite_id=int(match.group(2)), accept=accept)
        except DomainError as exc:
            client.answer_callback_query(query_id, text=exc.detail, show_alert=True)
            return
        client.answer_callback_query(
            query_id, text=_("Invite accepted.") if accept else _("Invite declined.")
        )
        _remove_buttons(client, query)


def _result_callback(query: dict, user, *, confirm: bool, match_id: int) -> None:
    client = telegram.get_client()
    query_id = str(query.get("id") or "")
    user_mark_reachable(user=user)
    try:
        if confirm:
            results.match_result_confirm(match_id=match_id, actor=user)
        else:
            results.match_result_dispute(match_id=match_id, actor=user)
    except DomainError as exc:
        client.answer_callback_query(query_id, text=exc.detail, show_alert=True)
        return
    client.answer_callback_query(
        query_id,
        text=_("Result confirmed: it counts now.")
        if confirm
        else _("Result disputed: the club's staff will check it."),
    )
    _remove_buttons(client, query)


def _remove_buttons(client, query: dict) -> None:
    """Take the answer buttons off the answered message."""
    message = query.get("message") or {}
    if message.get("message_id") and (message.get("chat") or {}).get("id"):
        try:
            client.edit_message_reply_markup(
                message["chat"]["id"], message["message_id"], {"inline_keyboard": []}
            )
        except telegram.TelegramError as exc:
            logger.info("could not remove the buttons: %s", exc)
