"""Realtime topics of the club floor: `club:<id>` (public) and the `me` sections of a player.

`club:<id>` carries the whole floor (games.selectors.floor_state) with `Club.floor_version`;
every service that changes the floor publishes it (games.services._floor_changed).
"""

import re

from accounts.selectors import user_is_staff_member
from games import selectors
from games.models import Club
from realtime.topics import Topic, TopicNotFound, register, register_me_section


@register
class ClubTopic(Topic):
    kind = "club"
    pattern = re.compile(r"^club:(?P<id>[1-9]\d{0,17})$")
    public = True

    def snapshot(self, user, *, id):
        # The version is read first (see Topic.snapshot): an update committed in between is
        # delivered again rather than lost.
        club = Club.objects.filter(pk=int(id)).first()
        if club is None:
            raise TopicNotFound
        return club.floor_version, selectors.floor_cached(club=club)

    # Coalesced (realtime.hub): the floor is the same for everyone.
    def load(self, *, id):
        return self.snapshot(None, id=id)

    def view(self, user, shared, *, id):
        return True, shared

    def view_key(self, user, *, id):
        return None


@register
class TillTopic(Topic):
    """`till:<club id>` — staff only: the open sessions' bills, items as they are added."""

    kind = "till"
    pattern = re.compile(r"^till:(?P<id>[1-9]\d{0,17})$")

    def authorize(self, user, **params) -> bool:
        return user_is_staff_member(user=user)

    def snapshot(self, user, *, id):
        version = Club.objects.filter(pk=int(id)).values_list("till_version", flat=True).first()
        if version is None:
            raise TopicNotFound
        return version, selectors.till_state(club_id=int(id))


register_me_section("bookings", selectors.me_bookings_section)
register_me_section("sessions", selectors.me_sessions_section)


# Live scoring: `match:<id>` (registered on import).
from games.scoring.topics import MatchTopic  # noqa: E402, F401
