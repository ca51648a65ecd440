"""Message texts: Django templates per kind and language, a manager's DB override first.

Files: `notifications/templates/<language>/<kind>.html` (Telegram HTML: <b>, <i>, <a>).
A `MessageTemplate` row (kind, language, active) replaces the file; a row that fails to compile
or render falls back to the file, so a typo in the admin never silences the bot.

Payload fields by kind (all optional unless the template needs them):

* booking_*: booking_id, table, club, start, end (ISO 8601; shown in the club's time zone),
  minutes_before (reminder)
* match_invite: invite_id, from_name, discipline, message; a reply adds response
  ("accepted"/"declined") and by_name
* match_result: match_id, won, score, opponent, rating, rating_change, pending (awaits the
  other side's confirmation)
* result_confirm: match_id, won, score, opponent, by_name, discipline_name (Confirm / Dispute)
* result_update: match_id, won, score, opponent, action (confirm, dispute, staff_confirm, void,
  reopen_request), by_name, reason
* achievement: title, description
* table_free: table, table_kind
* announcement: text
* session_bill: session_id, table, club, minutes, paused_minutes, lines (label, amount_text),
  discount_text, total_text, paid_text, owed_text
"""

from __future__ import annotations

import html
import logging
import re
import time
import zoneinfo
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from games.models import Club
from notifications import telegram
from notifications.models import DISCIPLINES, Kind, MessageTemplate

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# The Mini App start parameters the bot generates (and the router accepts: static/js/router.js).
START_PARAM_RE = re.compile(
    r"^(floor|inbox|me|leaderboard|(booking|match|invite|player)-\d{1,12})$"
)

SAMPLE_PAYLOADS: dict[str, dict] = {
    Kind.BOOKING_CONFIRMED: {
        "booking_id": 42,
        "table": "5",
        "club": "Artel",
        "start": "2026-12-01T16:00:00+00:00",
        "end": "2026-12-01T18:00:00+00:00",
    },
    Kind.BOOKING_REMINDER: {
        "booking_id": 42,
        "table": "5",
        "club": "Artel",
        "start": "2026-12-01T16:00:00+00:00",
        "end": "2026-12-01T18:00:00+00:00",
        "minutes_before": 60,
    },
    Kind.BOOKING_CANCELLED: {
        "booking_id": 42,
        "table": "5",
        "club": "Artel",
        "start": "2026-12-01T16:00:00+00:00",
        "end": "2026-12-01T18:00:00+00:00",
    },
    Kind.BOOKING_NO_SHOW: {
        "booking_id": 42,
        "table": "5",
        "club": "Artel",
        "start": "2026-12-01T16:00:00+00:00",
        "end": "2026-12-01T18:00:00+00:00",
    },
    Kind.MATCH_INVITE: {
        "invite_id": 7,
        "from_name": "Ivan",
        "discipline": "pyramid_moscow",
        "message": "Tonight at 19:00?",
    },
    Kind.MATCH_RESULT: {
        "match_id": 12,
        "won": True,
        "score": "3:1",
        "opponent": "Ivan",
        "rating": 1642,
        "rating_change": 14,
    },
    Kind.RESULT_CONFIRM: {
        "match_id": 12,
        "won": False,
        "score": "1:3",
        "opponent": "Ivan",
        "by_name": "Ivan",
        "discipline_name": "9-ball",
    },
    Kind.RESULT_UPDATE: {
        "match_id": 12,
        "won": True,
        "score": "3:1",
        "opponent": "Ivan",
        "action": "confirm",
        "by_name": "Ivan",
    },
    Kind.ACHIEVEMENT: {"title": "Century", "description": "A break of 100 points or more."},
    Kind.TABLE_FREE: {"table": "5", "table_kind": "pool"},
    Kind.ANNOUNCEMENT: {"text": "The club is open until 4 am on Friday."},
    Kind.SESSION_BILL: {
        "session_id": 7,
        "table": "5",
        "minutes": 90,
        "paused_minutes": 10,
        "lines": [
            {"label": "Day, 90 min", "amount_text": "900.00 ₽"},
            {"label": "Beer × 2", "amount_text": "700.00 ₽"},
        ],
        "discount_text": "",
        "total_text": "1600.00 ₽",
        "paid_text": "0.00 ₽",
        "owed_text": "1600.00 ₽",
    },
}


_tz_cache: tuple[float, zoneinfo.ZoneInfo] | None = None
TZ_CACHE_SECONDS = 60.0


def club_tz() -> zoneinfo.ZoneInfo:
    """The club's time zone (the first club; the site's TIME_ZONE before any club exists).
    Read at most once a minute per process: every message needs it, it almost never changes."""
    global _tz_cache
    now = time.monotonic()
    if _tz_cache is not None and _tz_cache[0] > now:
        return _tz_cache[1]

    name = Club.objects.order_by("id").values_list("timezone", flat=True).first()
    try:
        tz = zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    _tz_cache = (now + TZ_CACHE_SECONDS, tz)
    return tz


def club_tz_forget(**_kwargs) -> None:
    """A club was saved or deleted: read the time zone again (notifications/receivers.py connects this)."""
    global _tz_cache
    _tz_cache = None


def _context(kind: str, payload: dict, *, user=None, tz=None) -> dict:
    tz = tz or club_tz()
    context: dict = {"kind": kind, "site_url": settings.SITE_URL, "user": user}
    for key, value in payload.items():
        if key in ("start", "end") and isinstance(value, str):
            parsed = parse_datetime(value)
            context[key] = parsed.astimezone(tz) if parsed else value
        else:
            context[key] = value
    if kind == Kind.MATCH_INVITE:
        context["discipline_label"] = dict(DISCIPLINES).get(payload.get("discipline"), "")
    if user is not None:
        context["name"] = user.display_name
    return context


def _file_source(kind: str, language: str) -> str:
    for lang in (language, settings.LANGUAGE_CODE, "en"):
        path = TEMPLATE_DIR / lang / f"{kind}.html"
        if path.exists():
            return path.read_text(encoding="utf-8")
    return "{{ kind }}"


def _render_source(source: str, context: dict) -> str:
    text = engines["django"].from_string(source).render(context)
    # Telegram HTML: collapse runs of blank lines left by template tags.
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def render_source(source: str, kind: str, payload: dict, *, language: str, user=None) -> str:
    """Render a template text (the admin preview uses this). Raises TemplateSyntaxError."""
    with translation.override(language):
        return _render_source(source, _context(kind, payload, user=user))


def render_html(kind: str, payload: dict, *, language: str, user=None) -> str:
    """The Telegram HTML text of a message, in `language`."""
    override = (
        MessageTemplate.objects.filter(kind=kind, language=language, is_active=True)
        .values_list("body", flat=True)
        .first()
    )
    with translation.override(language):
        context = _context(kind, payload, user=user)
        if override:
            try:
                return _render_source(override, context)
            except (TemplateSyntaxError, Exception) as exc:  # noqa: BLE001
                logger.warning(
                    "message template %s/%s failed, using the file: %s", kind, language, exc
                )
        return _render_source(_file_source(kind, language), context)


def html_to_text(text: str) -> str:
    """Plain text of a Telegram HTML message (for the in-app inbox)."""
    return html.unescape(strip_tags(text))


def start_param(kind: str, payload: dict) -> str | None:
    """The Mini App screen a message opens (a `startapp` parameter), or None."""
    if kind.startswith("booking_") and payload.get("booking_id"):
        value = f"booking-{int(payload['booking_id'])}"
    elif kind == Kind.MATCH_INVITE and payload.get("invite_id"):
        value = f"invite-{int(payload['invite_id'])}"
    elif kind in (Kind.MATCH_RESULT, Kind.RESULT_CONFIRM, Kind.RESULT_UPDATE) and payload.get(
        "match_id"
    ):
        value = f"match-{int(payload['match_id'])}"
    elif kind == Kind.ACHIEVEMENT:
        value = "me"
    elif kind in (Kind.TABLE_FREE, Kind.SESSION_BILL):
        value = "floor"
    else:
        value = "inbox"
    return value if START_PARAM_RE.fullmatch(value) else None


def miniapp_button(text: str, param: str | None) -> dict | None:
    """A button opening the Mini App at `param`: the t.me direct link when the bot's username
    and the Mini App short name are configured (Telegram passes `start_param`), else a
    `web_app` button on the https site, else a plain link (development)."""
    if param is not None and not START_PARAM_RE.fullmatch(param):
        param = None
    username = settings.TELEGRAM_BOT_USERNAME.lstrip("@")
    short_name = settings.TELEGRAM_MINIAPP_SHORT_NAME
    if username and short_name:
        url = f"https://t.me/{username}/{short_name}"
        return telegram.url_button(text, f"{url}?startapp={param}" if param else url)
    site = settings.SITE_URL
    url = f"{site}/?startapp={param}" if param else f"{site}/"
    if site.startswith("https://"):
        return telegram.web_app_button(text, url)
    return telegram.url_button(text, url)


def reply_markup(notification) -> dict | None:
    """Inline keyboard of a notification: accept/decline for an invite, confirm/dispute for a
    result, then 'Open'."""
    rows: list[list[dict]] = []
    payload = notification.payload or {}
    if (
        notification.kind == Kind.MATCH_INVITE
        and payload.get("invite_id")
        and not payload.get("response")
    ):
        invite_id = int(payload["invite_id"])
        rows.append(
            [
                telegram.callback_button(_("Accept"), f"inv:a:{invite_id}"),
                telegram.callback_button(_("Decline"), f"inv:d:{invite_id}"),
            ]
        )
    if notification.kind == Kind.RESULT_CONFIRM and payload.get("match_id"):
        match_id = int(payload["match_id"])
        rows.append(
            [
                telegram.callback_button(_("Confirm"), f"res:c:{match_id}"),
                telegram.callback_button(_("Dispute"), f"res:d:{match_id}"),
            ]
        )
    if notification.kind != Kind.ANNOUNCEMENT:
        button = miniapp_button(_("Open in the app"), start_param(notification.kind, payload))
        if button:
            rows.append([button])
    return telegram.inline_keyboard(rows) if rows else None


def message_for(notification, user) -> tuple[str, dict | None]:
    """(HTML text, reply markup) of a notification in the user's language."""
    language = user.language or settings.LANGUAGE_CODE
    text = render_html(notification.kind, notification.payload or {}, language=language, user=user)
    with translation.override(language):
        markup = reply_markup(notification)
    return text, markup


def now_local(tz=None) -> datetime:

    return timezone.now().astimezone(tz or club_tz())
