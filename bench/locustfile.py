"""Locust load profile of the Mini App: players on the floor and scorers of live matches.

Run by bench/load.py (which starts the servers, prepares the matches and the watcher sockets and
prints the figures); by hand, against a running server started with TELEGRAM_BOT_TOKEN=$LOAD_BOT_TOKEN
and RATE_LIMITS_ENABLED=0:

    LOAD_HOSTS=http://127.0.0.1:8000 LOAD_BOT_TOKEN=123456:bench-cluster-token LOAD_CLUB_ID=1 \\
    LOAD_TABLE_IDS=1,2,3 LOAD_MATCHES=5:9000000 .venv/bin/locust -f bench/locustfile.py \\
        --headless -u 1000 -r 50 -t 60s

Users:
- `Player` (the 1,000): signs in with Mini App init data signed here with the server's bot token,
  then, with think time, reads the live floor (`GET /api/clubs/<id>/`), a table's slots, its own
  bookings, books a table (a 409 `slot_taken`/`booking_limit` is an expected answer, counted
  apart) and sometimes cancels a booking.
- `Scorer` (one per live match, fixed count): scores a straight-pool match, one pot a second, with
  `expected_version` and a `client_event_id`; every accepted event's send time is written to
  LOAD_EVENTS_FILE so bench/load.py can measure the fan-out to the watcher sockets.

Environment: LOAD_HOSTS (comma-separated base URLs; users are spread round-robin, as behind a
proxy), LOAD_BOT_TOKEN, LOAD_CLUB_ID, LOAD_TABLE_IDS, LOAD_MATCHES (`match_id:telegram_id,…`),
LOAD_EVENTS_FILE, LOAD_COUNTS_FILE (expected refusals by code), LOAD_TG_BASE (first Telegram id).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from locust import FastHttpUser, between, constant_pacing, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from bench._common import BENCH_BOT_TOKEN, mini_app_init_data  # noqa: E402

HOSTS = [h for h in os.environ.get("LOAD_HOSTS", "http://127.0.0.1:8000").split(",") if h]
BOT_TOKEN = os.environ.get("LOAD_BOT_TOKEN", BENCH_BOT_TOKEN)
CLUB_ID = int(os.environ.get("LOAD_CLUB_ID", "1"))
TABLE_IDS = [int(t) for t in os.environ.get("LOAD_TABLE_IDS", "1").split(",") if t]
MATCHES = [
    tuple(int(x) for x in pair.split(":"))
    for pair in os.environ.get("LOAD_MATCHES", "").split(",")
    if pair
]
EVENTS_FILE = os.environ.get("LOAD_EVENTS_FILE", "")
COUNTS_FILE = os.environ.get("LOAD_COUNTS_FILE", "")
TG_BASE = int(os.environ.get("LOAD_TG_BASE", "7000000"))
EXPECTED_REFUSALS = {"slot_taken", "booking_limit", "too_late_to_cancel", "not_cancellable"}

_ids = itertools.count()
_hosts = itertools.cycle(HOSTS)
_matches = itertools.cycle(MATCHES) if MATCHES else None
_lock = threading.Lock()
expected = Counter()  # (endpoint, status, code) → count of expected refusals
scored: list[tuple[int, int, float, float]] = []  # (match, version, sent, answered)


def init_data(telegram_id: int) -> str:
    return mini_app_init_data(telegram_id, BOT_TOKEN)


class MiniAppUser(FastHttpUser):
    abstract = True
    host = HOSTS[0]

    def on_start(self) -> None:
        self.base = next(_hosts)
        self.telegram_id = self.pick_telegram_id()
        with self.client.post(
            f"{self.base}/api/auth/telegram/",
            json={"init_data": init_data(self.telegram_id)},
            name="POST /api/auth/telegram/",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"sign-in {response.status_code}: {response.text[:200]}")
                self.access = ""
                return
            self.access = response.json()["access"]
        self.headers = {"Authorization": f"Bearer {self.access}"}

    def pick_telegram_id(self) -> int:
        return TG_BASE + next(_ids)

    def refused(self, response, endpoint: str) -> None:
        """A 409 with an expected code is a right answer: success, counted apart."""
        code = ""
        with contextlib.suppress(ValueError):
            code = response.json().get("code", "")
        if response.status_code == 409 and code in EXPECTED_REFUSALS:
            with _lock:
                expected[(endpoint, 409, code)] += 1
            response.success()
        else:
            response.failure(f"{response.status_code} {code}: {response.text[:200]}")


class Player(MiniAppUser):
    """A Mini App player on the Floor screen: mostly reads, sometimes books."""

    wait_time = between(3, 12)
    weight = 100

    @task(6)
    def floor(self) -> None:
        self.client.get(f"{self.base}/api/clubs/{CLUB_ID}/", name="GET /api/clubs/<id>/")

    @task(3)
    def slots(self) -> None:
        day = date.today() + timedelta(days=random.randint(0, 6))
        self.client.get(
            f"{self.base}/api/tables/{random.choice(TABLE_IDS)}/slots/?date={day.isoformat()}",
            name="GET /api/tables/<id>/slots/",
        )

    @task(2)
    def my_bookings(self) -> None:
        if not self.access:
            return
        with self.client.get(
            f"{self.base}/api/bookings/",
            headers=self.headers,
            name="GET /api/bookings/",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return
            mine = [b for b in response.json()["results"] if b.get("status") == "confirmed"]
        if len(mine) >= 3 and random.random() < 0.5:
            booking = random.choice(mine)
            with self.client.post(
                f"{self.base}/api/bookings/{booking['id']}/cancel/",
                headers=self.headers,
                name="POST /api/bookings/<id>/cancel/",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    self.refused(response, "cancel")

    @task(1)
    def book(self) -> None:
        if not self.access:
            return
        day = date.today() + timedelta(days=random.randint(1, 6))
        hour = random.randint(13, 22)
        minute = random.choice((0, 30))
        start = f"{day.isoformat()}T{hour:02d}:{minute:02d}"
        end = f"{day.isoformat()}T{hour + 1:02d}:{minute:02d}"
        with self.client.post(
            f"{self.base}/api/bookings/",
            json={"table": random.choice(TABLE_IDS), "start": start, "end": end},
            headers=self.headers,
            name="POST /api/bookings/",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                self.refused(response, "book")


class Scorer(MiniAppUser):
    """The phone at a live match's table: one pot a second for the side at the table."""

    fixed_count = len(MATCHES)
    wait_time = constant_pacing(1.0)

    def pick_telegram_id(self) -> int:
        self.match_id, telegram_id = next(_matches)
        return telegram_id

    def on_start(self) -> None:
        super().on_start()
        self.version, self.at_table = self.load()

    def load(self) -> tuple[int, int]:
        response = self.client.get(
            f"{self.base}/api/matches/{self.match_id}/", name="GET /api/matches/<id>/"
        )
        data = response.json()
        return data["version"], data["state"]["at_table"]

    @task
    def pot(self) -> None:
        if not self.access:
            return
        sent = time.time()
        with self.client.post(
            f"{self.base}/api/matches/{self.match_id}/events/",
            json={
                "type": "pot",
                "side": self.at_table,
                "count": 1,
                "expected_version": self.version,
                "client_event_id": str(uuid.uuid4()),
            },
            headers=self.headers,
            name="POST /api/matches/<id>/events/",
            catch_response=True,
        ) as response:
            answered = time.time()
            if response.status_code == 201:
                body = response.json()
                self.version = body["version"]
                self.at_table = body["state"]["at_table"]
                with _lock:
                    scored.append((self.match_id, self.version, sent, answered))
            elif response.status_code == 409:
                self.refused(response, "event")
                self.version, self.at_table = self.load()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")


@events.quitting.add_listener
def _write_side_channel(environment, **kwargs) -> None:
    if EVENTS_FILE:
        Path(EVENTS_FILE).write_text(json.dumps(scored))
    if COUNTS_FILE:
        Path(COUNTS_FILE).write_text(
            json.dumps([[e, s, c, n] for (e, s, c), n in sorted(expected.items())])
        )


if __name__ == "__main__":
    from bench import _common

    _common.parser(__doc__).parse_args()
    sys.exit(
        "A Locust profile: bench/load.py runs it, or `.venv/bin/locust -f bench/locustfile.py`."
    )
