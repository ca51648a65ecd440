"""`seed_demo` makes the floor look alive: bookings today/tonight and a table in play."""

import pytest
import time_machine
from django.core.management import call_command

from games.models import Booking, TableSession
from games.selectors import floor_state
from games.tests.conftest import msk


@pytest.mark.django_db
def test_seed_demo_creates_bookings_and_an_open_session_once():
    with time_machine.travel(msk(2026, 3, 2, 15, 10), tick=False):
        call_command("seed_demo", "--production", stdout=open("/dev/null", "w"))  # noqa: SIM115
        call_command("seed_demo", "--production", stdout=open("/dev/null", "w"))  # noqa: SIM115

        bookings = list(Booking.objects.filter(status="confirmed").order_by("start"))
        assert len(bookings) == 3
        assert bookings[0].start == msk(2026, 3, 2, 15, 30)  # soon: the table is reserved
        assert bookings[1].start == msk(2026, 3, 2, 20, 0)  # tonight
        session = TableSession.objects.get(ended_at__isnull=True)
        assert session.players.count() == 2
        statuses = {
            t["number"]: t["status"] for t in floor_state(club=session.table.club)["tables"]
        }
        assert statuses[1] == "busy"
        assert statuses[3] == "reserved"
