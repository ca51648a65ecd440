"""Throw-away topic kinds for the realtime tests (also loaded by the daphne of the
multi-process test, see live_asgi.py)."""

import re

from realtime.topics import Topic, TopicNotFound

# State behind the test topics: {id: (version, data)}; a missing id is "not found".
WIDGETS: dict[str, tuple[int, dict]] = {}


class WidgetTopic(Topic):
    """Public test topic `widget:<id>`."""

    kind = "widget"
    pattern = re.compile(r"^widget:(?P<id>\d+)$")
    public = True

    def snapshot(self, user, *, id):
        if id not in WIDGETS:
            raise TopicNotFound
        return WIDGETS[id]


class SecretTopic(Topic):
    """Private test topic `secret:<id>`: only the user named `owner` may watch."""

    kind = "secret"
    pattern = re.compile(r"^secret:(?P<id>\d+)$")

    def authorize(self, user, *, id):
        return user.username == "owner"

    def snapshot(self, user, *, id):
        return 1, {"secret": id}
