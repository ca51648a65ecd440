"""The Telegram Bot API client: the only code that talks to Telegram.

A small synchronous client over httpx with a configurable API base (`TELEGRAM_API_BASE`, so tests
and staging point it at a fake). It tells transient failures from permanent ones:

* 429 Too Many Requests: waits `retry_after` and tries again when the wait is short
  (≤ `max_retry_after` s); otherwise raises `TelegramRetryAfter` for the caller to reschedule.
* 5xx and network errors: retried with exponential backoff, then `TelegramTransientError`.
* 403 (the user blocked the bot, or was deactivated) and 400 "chat not found":
  `TelegramUnreachable` — the user will not get messages until they write to the bot again.
* any other 4xx: `TelegramBadRequest` (our request is wrong; retrying would not help).

The bot token is part of every request URL. It never appears in an exception text or a log line:
exception messages are built from the method name and Telegram's description only, chained
exceptions are dropped, and a logging filter redacts it from httpx's own request logs.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

REDACTED = "<bot-token>"
# Telegram's own answer texts that mean "this chat is gone for us" (HTTP 400).
_UNREACHABLE_400 = ("chat not found", "user not found", "bot was blocked", "user is deactivated")

# Patched by tests; a module attribute so every client and the rate limiter share it.
_sleep = time.sleep


class TelegramError(Exception):
    """Raised by `BotClient`; caught by the delivery service and the bot handlers. The message
    is safe to log (no token) and is not translated (operators read it)."""

    def __init__(self, message: str, *, status: int | None = None, description: str = ""):
        self.status = status
        self.description = description
        super().__init__(message)


class TelegramTransientError(TelegramError):
    """5xx or network trouble that outlived the client's own retries: try again later."""


class TelegramRetryAfter(TelegramError):
    """429 with a wait longer than the client is willing to sleep; `retry_after` in seconds."""

    def __init__(self, message: str, *, retry_after: float, **kwargs):
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class TelegramPermanentError(TelegramError):
    """A refusal that retrying does not cure."""


class TelegramUnreachable(TelegramPermanentError):
    """403 / 400 chat not found: the user blocked the bot or never started it."""


class TelegramBadRequest(TelegramPermanentError):
    """Another 4xx: the request itself is wrong (bad markup, message too long)."""


class TelegramNotConfigured(TelegramError):
    """No TELEGRAM_BOT_TOKEN: the bot is disabled (the embedded default)."""


class _RedactToken(logging.Filter):
    """Replace every known bot token in a log record (httpx logs request URLs at INFO)."""

    tokens: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.tokens:
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is not ours to break
            return True
        if any(token in message for token in self.tokens):
            for token in self.tokens:
                message = message.replace(token, REDACTED)
            record.msg, record.args = message, None
        return True


_redactor = _RedactToken()
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_redactor)


def _redact(text: str, token: str) -> str:
    return text.replace(token, REDACTED) if token else text


def web_app_button(text: str, url: str) -> dict:
    return {"text": text, "web_app": {"url": url}}


def url_button(text: str, url: str) -> dict:
    return {"text": text, "url": url}


def callback_button(text: str, data: str) -> dict:
    if len(data.encode()) > 64:
        raise ValueError("callback_data is limited to 64 bytes")
    return {"text": text, "callback_data": data}


def inline_keyboard(rows: list[list[dict]]) -> dict:
    return {"inline_keyboard": [row for row in rows if row]}


class BotClient:
    """One bot's Bot API client. Thread-safe (one httpx.Client, connection-pooled)."""

    def __init__(
        self,
        token: str,
        *,
        base: str = "https://api.telegram.org",
        timeout: float = 10.0,
        max_retries: int = 3,
        max_retry_after: float = 5.0,
        backoff: float = 0.5,
    ):
        if not token:
            raise TelegramNotConfigured("the Telegram bot token is not set")
        self._token = token
        self.base = base.rstrip("/")
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.backoff = backoff
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=5.0))
        _RedactToken.tokens.add(token)

    def __repr__(self) -> str:
        return f"<BotClient base={self.base!r}>"

    def close(self) -> None:
        self._http.close()

    # --- Bot API methods ---------------------------------------------------------------------

    def get_me(self) -> dict:
        return self.call("getMe", {})

    def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        reply_markup: dict | None = None,
        disable_notification: bool = False,
        parse_mode: str | None = "HTML",
    ) -> dict:
        payload: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "link_preview_options": {"is_disabled": True},
        }
        if parse_mode:
            payload["parse_mode"] = parse_mode
        if reply_markup:
            payload["reply_markup"] = reply_markup
        if disable_notification:
            payload["disable_notification"] = True
        return self.call("sendMessage", payload)

    def answer_callback_query(
        self, callback_query_id: str, *, text: str = "", show_alert: bool = False
    ) -> bool:
        payload: dict[str, Any] = {"callback_query_id": callback_query_id}
        if text:
            payload["text"] = text[:200]
        if show_alert:
            payload["show_alert"] = True
        return self.call("answerCallbackQuery", payload)

    def edit_message_reply_markup(
        self, chat_id: int, message_id: int, reply_markup: dict | None = None
    ) -> Any:
        payload: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id}
        if reply_markup is not None:
            payload["reply_markup"] = reply_markup
        return self.call("editMessageReplyMarkup", payload)

    def set_webhook(
        self,
        url: str,
        *,
        secret_token: str = "",
        allowed_updates: list[str] | None = None,
        drop_pending_updates: bool = False,
    ) -> bool:
        payload: dict[str, Any] = {"url": url, "drop_pending_updates": drop_pending_updates}
        if secret_token:
            payload["secret_token"] = secret_token
        if allowed_updates is not None:
            payload["allowed_updates"] = allowed_updates
        return self.call("setWebhook", payload)

    def delete_webhook(self, *, drop_pending_updates: bool = False) -> bool:
        return self.call("deleteWebhook", {"drop_pending_updates": drop_pending_updates})

    def get_webhook_info(self) -> dict:
        return self.call("getWebhookInfo", {})

    def get_updates(
        self, *, offset: int | None = None, timeout: int = 25, allowed_updates=None
    ) -> list:
        payload: dict[str, Any] = {"timeout": timeout}
        if offset is not None:
            payload["offset"] = offset
        if allowed_updates is not None:
            payload["allowed_updates"] = allowed_updates
        # Long polling holds the request open for `timeout` seconds: read a little longer.
        return self.call("getUpdates", payload, read_timeout=timeout + 10)

    # --- transport -----------------------------------------------------------------------------

    def call(self, method: str, payload: dict, *, read_timeout: float | None = None) -> Any:
        """POST one Bot API method; returns its `result`. Raises a `TelegramError` subclass."""
        url = f"{self.base}/bot{self._token}/{method}"
        timeout = None
        if read_timeout is not None:
            timeout = httpx.Timeout(read_timeout, connect=5.0)
        attempt = 0
        while True:
            try:
                kwargs = {"json": payload}
                if timeout is not None:
                    kwargs["timeout"] = timeout
                response = self._http.post(url, **kwargs)
            except httpx.HTTPError as exc:
                # httpx messages may carry the URL (and so the token): keep only the class name.
                error = TelegramTransientError(f"{method}: network error ({type(exc).__name__})")
                if attempt >= self.max_retries:
                    raise error from None
                self._backoff(method, attempt, str(error))
                attempt += 1
                continue

            data = self._json(response)
            if response.status_code == 200 and data.get("ok"):
                return data.get("result")

            status = response.status_code
            description = _redact(
                str(data.get("description") or response.reason_phrase), self._token
            )
            message = f"{method}: HTTP {status} {description}".strip()
            if status == 429:
                retry_after = float((data.get("parameters") or {}).get("retry_after") or 1)
                if retry_after <= self.max_retry_after and attempt < self.max_retries:
                    logger.warning("telegram %s throttled, retrying in %ss", method, retry_after)
                    _sleep(retry_after)
                    attempt += 1
                    continue
                raise TelegramRetryAfter(
                    message, retry_after=retry_after, status=status, description=description
                )
            if status >= 500:
                if attempt >= self.max_retries:
                    raise TelegramTransientError(message, status=status, description=description)
                self._backoff(method, attempt, message)
                attempt += 1
                continue
            lowered = description.lower()
            if status == 403 or (
                status == 400 and any(text in lowered for text in _UNREACHABLE_400)
            ):
                raise TelegramUnreachable(message, status=status, description=description)
            raise TelegramBadRequest(message, status=status, description=description)

    def _backoff(self, method: str, attempt: int, reason: str) -> None:
        delay = min(self.backoff * (2**attempt), 8.0)
        logger.warning(
            "telegram %s failed (%s), retry %s in %.1fs", method, reason, attempt + 1, delay
        )
        _sleep(delay)

    @staticmethod
    def _json(response: httpx.Response) -> dict:
        try:
            data = response.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


_clients: dict[tuple[str, str], BotClient] = {}
_clients_lock = threading.Lock()


def bot_configured() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN)


def get_client() -> BotClient:
    """The process-wide client for the configured bot. Raises `TelegramNotConfigured`."""
    token, base = settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_API_BASE
    if not token:
        raise TelegramNotConfigured("the Telegram bot token is not set")
    key = (base, token)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            # Three tries at most inline (0.5 s, 1 s apart): a worker (or, in the embedded mode,
            # the request that committed) is not held long; the outbox retries later anyway.
            client = _clients[key] = BotClient(token, base=base, max_retries=2)
        return client
