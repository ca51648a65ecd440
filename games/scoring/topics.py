"""The `match:<id>` realtime topic (registered by importing this module from games/topics.py).

Snapshot: the match as `GET /api/matches/<id>/` shows it, with `version` = its last seq.
Updates (services._publish, one per event, version = seq, no gaps):
`{"state", "legal", "event", "status", "winner"}` (`legal`: the engine's legal next actions).

Who may watch follows the match's visibility: public → anyone, also anonymous sockets; club →
signed-in users; private → its players and staff. The kind is `public` so that anonymous sockets
reach `authorize`, which decides per match.
"""

import re

from games.scoring import metrics, selectors
from games.scoring.serializers import match_data, result_data
from realtime.topics import Topic, TopicNotFound, register


@register
class MatchTopic(Topic):
    kind = "match"
    pattern = re.compile(r"^match:(?P<id>[1-9]\d{0,17})$")
    public = True

    def authorize(self, user, *, id) -> bool:
        match = selectors.match_get(match_id=int(id))
        if match is None:
            return True  # the snapshot answers not_found
        return selectors.match_can_view(match=match, user=user)

    def snapshot(self, user, *, id):
        # One row read gives the state and its version together.
        match = selectors.match_get(match_id=int(id))
        if match is None:
            raise TopicNotFound
        return match.version, match_data(match, user=user)

    # Coalesced (realtime.hub): one read per match and version per process; per user only the
    # permission, `can_score` and what they may do about the result differ.
    def load(self, *, id):
        match = selectors.match_get(match_id=int(id))
        if match is None:
            raise TopicNotFound
        return match.version, (match, match_data(match, user=None))

    def view(self, user, shared, *, id):
        match, anonymous = shared
        if not selectors.match_can_view(match=match, user=user):
            return False, None
        if user is None or not user.is_authenticated:
            return True, anonymous
        return True, {
            **anonymous,
            "can_score": selectors.match_can_score(match=match, user=user),
            "result": result_data(match, user=user),
        }


metrics.register_live_matches_gauge()
