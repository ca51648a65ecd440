"""Notification outbox speed: writing rows with notify(), delivering them with the sweep, and the
shared rate limiter holding Telegram's 30 messages/s.

A fresh SQLite database under var/ (migrated), N players with Telegram ids, and a fake Bot API
in-process (respx: nothing leaves the machine). Prints:

* notify(): rows written per second (one transaction per row, like a booking would);
* sweep without a rate limit: messages delivered per second (the outbox's own overhead);
* sweep with the default limit (TELEGRAM_RATE_GLOBAL=30): the observed rate, to 90 chats.

    .venv/bin/python bench/notifications.py
    .venv/bin/python bench/notifications.py --rows 2000
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common  # noqa: E402

TOKEN = "123:bench-token"
BASE = "https://tg.bench"


def setup_django() -> None:
    _common.setup_django(
        "bench_notifications.sqlite3", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=BASE
    )


def players(n: int):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"bench{i}", telegram_id=900_000_000 + i, language="en") for i in range(n)]
    )
    return list(User.objects.filter(username__startswith="bench").order_by("pk"))


def main() -> None:
    parser = _common.parser(__doc__)
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    setup_django()

    import httpx
    import respx
    from django.conf import settings
    from django.db import transaction

    from notifications import delivery, outbox, ratelimit
    from notifications.models import Notification

    outbox.enqueue_delivery = lambda notification_id: None  # the sweep delivers
    users = players(max(args.rows, 90))

    t0 = time.perf_counter()
    for i in range(args.rows):
        with transaction.atomic():
            outbox.notify(
                user=users[i], kind="announcement", payload={"text": f"n{i}"}, dedupe_key=f"b:{i}"
            )
    write = time.perf_counter() - t0
    print(f"notify():            {args.rows / write:8.0f} rows/s ({args.rows} rows, {write:.2f} s)")

    with respx.mock(base_url=f"{BASE}/bot{TOKEN}") as mock:
        mock.post("/sendMessage").mock(
            return_value=httpx.Response(200, json={"ok": True, "result": {"message_id": 1}})
        )
        settings.TELEGRAM_RATE_GLOBAL = 1e9
        settings.TELEGRAM_RATE_PER_CHAT = 1e9
        ratelimit.get_bucket().reset()
        t0 = time.perf_counter()
        outcomes = delivery.notification_sweep(limit=args.rows)
        sweep = time.perf_counter() - t0
        sent = outcomes.get("sent", 0)
        print(f"sweep, no limit:     {sent / sweep:8.0f} msg/s ({sent} sent, {sweep:.2f} s)")

        settings.TELEGRAM_RATE_GLOBAL = 30.0
        settings.TELEGRAM_RATE_PER_CHAT = 1.0
        ratelimit._bucket = None  # a fresh (full) bucket with the real limits
        for i in range(90):
            with transaction.atomic():
                outbox.notify(
                    user=users[i], kind="announcement", payload={}, dedupe_key=f"limited:{i}"
                )
        t0 = time.perf_counter()
        outcomes = delivery.notification_sweep(limit=90)
        limited = time.perf_counter() - t0
        sent = outcomes.get("sent", 0)
        print(
            f"sweep, 30/s limit:   {sent / limited:8.1f} msg/s ({sent} sent in {limited:.2f} s; "
            f"a burst of 30, then 30/s → expect ≈ 2 s)"
        )
    pending = Notification.objects.filter(status="pending").count()
    print(f"left pending:        {pending}")


if __name__ == "__main__":
    main()
