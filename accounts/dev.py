"""Dev sign-in: correctly signed Mini App init data for a demo player (DEBUG only).

Used by `manage.py telegram_init_data` and `POST /api/auth/dev-init-data/`; the result goes through
the real validation path (`POST /api/auth/telegram/`).
"""

from __future__ import annotations

import json
import time

from django.conf import settings

from accounts.models import User
from accounts.selectors import telegram_bot_token
from accounts.telegram_auth import sign_init_data

DEMO_TELEGRAM_ID = 1001
DEMO_FIRST_NAME = "Ann"


class DevSignInDisabled(Exception):
    """Raised when DEBUG is off: a signed payload must never be produced in production."""


def build_init_data(
    *,
    user_id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
    photo_url: str | None = None,
    start_param: str | None = None,
    auth_date: int | None = None,
) -> str:
    if not settings.DEBUG:
        raise DevSignInDisabled("Dev sign-in is only available with DEBUG on.")
    user: dict = {"id": user_id, "first_name": first_name}
    for key, value in (
        ("last_name", last_name),
        ("username", username),
        ("language_code", language_code),
        ("photo_url", photo_url),
    ):
        if value:
            user[key] = value
    fields = {
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "query_id": f"dev-{user_id}",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
    }
    if start_param:
        fields["start_param"] = start_param
    return sign_init_data(fields, telegram_bot_token())


def demo_init_data(*, user_id: int = DEMO_TELEGRAM_ID) -> str:
    """Init data for a demo player; an existing account keeps its names (demo data)."""
    existing = User.objects.filter(telegram_id=user_id).first()
    if existing is not None:
        return build_init_data(
            user_id=user_id,
            first_name=existing.first_name or DEMO_FIRST_NAME,
            last_name=existing.last_name or None,
            username=None,
            language_code=existing.language,
            photo_url=existing.photo_url or None,
        )
    first_name = DEMO_FIRST_NAME if user_id == DEMO_TELEGRAM_ID else f"Player {user_id}"
    return build_init_data(user_id=user_id, first_name=first_name, language_code="en")
