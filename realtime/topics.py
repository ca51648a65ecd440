"""The topic registry: what a WebSocket client may subscribe to.

A topic kind is a small class — a name pattern, a permission check, a snapshot function and the
channel-layer group its updates go to — registered with `@register`. Apps keep theirs in
`<app>/topics.py`; `RealtimeConfig.ready()` imports every such module, so adding a topic kind
touches one file:

    @register
    class ClubTopic(Topic):
        kind = "club"
        pattern = re.compile(r"^club:(?P<id>\\d+)$")
        public = True

        def snapshot(self, user, *, id):
            club = Club.objects.filter(pk=id).first()
            if club is None:
                raise TopicNotFound
            return club.version, floor_snapshot(club)

Named groups of the pattern become keyword parameters (strings) of `authorize`, `snapshot` and
`group`. `authorize` and `snapshot` are synchronous and run in a worker thread (they may query the
database). `group` must not depend on the user for any kind but `me`: `broadcast.publish()` calls
it with `user=None`. Publishers build a topic name with the kind's `name()`, the reverse of
`resolve()` (`ClubTopic.name(club_id)` → `"club:5"`), never by hand.

The `me` topic (private: the signed-in player's own things) lives here; its snapshot is assembled
from sections other apps register with `register_me_section("bookings", fn)`, and its updates are
sent with `broadcast.publish_to_user()`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, ClassVar

from django.core.cache import cache

__all__ = [
    "MeTopic",
    "Topic",
    "TopicNotFound",
    "UnknownTopic",
    "register",
    "register_me_section",
    "resolve",
    "unregister",
]

# Longer names are refused before any regex runs (a client controls this string).
MAX_TOPIC_NAME = 100


class UnknownTopic(Exception):
    """Raised by `resolve()` for a name no registered topic kind matches; the consumer answers
    `unknown_topic`. Not translated (the consumer adds the human message)."""


class TopicNotFound(Exception):
    """Raised by `Topic.snapshot()` when the object behind the topic does not exist; the consumer
    answers `not_found` and does not keep the subscription."""


class Topic:
    """One kind of topic. Subclass, set `kind` and `pattern`, override `snapshot` (and
    `authorize` for private topics), and decorate the class with `@register`."""

    kind: ClassVar[str]
    pattern: ClassVar[re.Pattern]
    public: ClassVar[bool] = False

    def authorize(self, user, **params) -> bool:
        """May `user` watch this topic? Anonymous users never reach this for private topics.
        Runs in a worker thread; may query the database."""
        return True

    def snapshot(self, user, **params) -> tuple[int, dict]:
        """The topic's current `(version, data)`. Raise `TopicNotFound` if it does not exist.
        Runs in a worker thread. Read the version *before* the data (or both in one query): an
        update committed in between is then delivered again rather than lost."""
        raise NotImplementedError

    # --- coalesced snapshots (realtime.hub): optional ----------------------------------------
    # A kind that overrides `load` has its snapshot read once per topic and version per process
    # and shared by every socket that asks (a thousand watchers re-syncing after a reconnect cost
    # one query, not a thousand); `view` then gives each user's part of it, computed once per
    # `view_key`. Kinds that only override `authorize` + `snapshot` keep one load per socket.

    def load(self, **params) -> tuple[int, Any]:
        """The user-independent part: `(version, shared)`; raise `TopicNotFound`. Runs in a
        worker thread. `shared` is read by many threads afterwards: never mutate it."""
        raise NotImplementedError

    def view(self, user, shared, **params) -> tuple[bool, dict]:
        """`(allowed, data)` for `user` from `load()`'s `shared`. Runs in a worker thread."""
        raise NotImplementedError

    def view_key(self, user, **params):
        """Users with equal keys get the same `view` (one encoded frame). Default: one for
        anonymous sockets, one per signed-in user."""
        return user.pk if user is not None and user.is_authenticated else None

    @classmethod
    def coalesced(cls) -> bool:
        return cls.load is not Topic.load

    def group(self, user, **params) -> str:
        """The channel-layer group that carries this topic's updates (`kind.param...`)."""
        return ".".join([self.kind, *(str(params[name]) for name in self._param_order())])

    @classmethod
    def name(cls, *args, **params) -> str:
        """The topic name for these parameters, the reverse of `resolve()`: `kind`, then the
        pattern's named groups in their order, joined by ":" (`ClubTopic.name(5)` → `"club:5"`,
        `MeTopic.name()` → `"me"`). Parameters go positionally in group order or by group name.

        Raises ValueError for missing or unexpected parameters and for a name the pattern does
        not match (a non-digit id, say). A kind whose pattern is not `kind:param:...` overrides
        this.
        """
        order = cls._param_order()
        if len(args) > len(order):
            raise ValueError(f"{cls.kind} topic takes {len(order)} parameters, got {len(args)}")
        values = dict(zip(order, args, strict=False))
        for key, value in params.items():
            if key not in order or key in values:
                raise ValueError(f"unexpected or repeated parameter {key!r} of a {cls.kind} topic")
            values[key] = value
        missing = [key for key in order if key not in values]
        if missing:
            raise ValueError(f"{cls.kind} topic needs {', '.join(missing)}")
        name = ":".join([cls.kind, *(str(values[key]) for key in order)])
        if len(name) > MAX_TOPIC_NAME or not cls.pattern.fullmatch(name):
            raise ValueError(f"not a valid {cls.kind} topic name: {name!r}")
        return name

    @classmethod
    def _param_order(cls) -> list[str]:
        return sorted(cls.pattern.groupindex, key=cls.pattern.groupindex.get)

    def __repr__(self) -> str:
        return f"<Topic {self.kind}>"


_registry: dict[str, Topic] = {}


def register(cls: type[Topic]) -> type[Topic]:
    """Class decorator: make a topic kind subscribable. Registering a kind again replaces it."""
    if not getattr(cls, "kind", None) or not isinstance(getattr(cls, "pattern", None), re.Pattern):
        raise TypeError(f"{cls.__name__} needs a `kind` and a compiled `pattern`")
    _registry[cls.kind] = cls()
    return cls


def unregister(kind: str) -> None:
    """Remove a topic kind (tests that register throw-away topics clean up with this)."""
    _registry.pop(kind, None)


def resolve(name: str) -> tuple[Topic, dict[str, str]]:
    """The topic kind and parameters a topic name stands for; raises `UnknownTopic`."""
    if not isinstance(name, str) or not name or len(name) > MAX_TOPIC_NAME:
        raise UnknownTopic(name)
    for topic in _registry.values():
        match = topic.pattern.fullmatch(name)
        if match:
            return topic, match.groupdict()
    raise UnknownTopic(name)


# --- the `me` topic ------------------------------------------------------------------------------

_me_sections: dict[str, Callable[[Any], Any]] = {}


def register_me_section(name: str, fn: Callable[[Any], Any]) -> None:
    """Add a section to the `me` snapshot: `fn(user)` returns JSON-ready data, shown under
    `data[name]`. Runs in a worker thread; may query the database. Registering a name again
    replaces it. Call it at import time of your app's `topics.py`."""
    _me_sections[name] = fn


def unregister_me_section(name: str) -> None:
    _me_sections.pop(name, None)


@register
class MeTopic(Topic):
    """The signed-in user's own stream: bookings, the running session, notifications …

    Snapshot: `{"<section>": fn(user), ...}` for every registered section. Updates come from
    `broadcast.publish_to_user(user_id, data=...)`, whose version is a per-user counter
    (`next_user_version`, below).
    """

    kind = "me"
    pattern = re.compile(r"^me$")
    public = False

    def authorize(self, user, **params) -> bool:
        return bool(user is not None and user.is_authenticated and user.is_active)

    def snapshot(self, user, **params) -> tuple[int, dict]:
        # The version first: a change committed while the sections are read arrives again as an
        # update with a higher version (applied twice, never lost).
        version = user_version(user.pk)
        return version, {name: fn(user) for name, fn in _me_sections.items()}

    def group(self, user, **params) -> str:
        if user is None:
            raise ValueError("the `me` topic is per user: use broadcast.publish_to_user()")
        return user_group(user.pk)


def user_group(user_id: int) -> str:
    return f"me.{int(user_id)}"


# --- the per-user `me` version counter -------------------------------------------------------------
# A `me` update's version is assigned after commit (broadcast.publish_to_user), so a rolled-back
# change never burns a number; a snapshot reports the current value.

USER_VERSION_KEY = "realtime:me-version:{}"


def user_version(user_id: int) -> int:
    """The current version of a user's `me` stream (what a snapshot reports)."""
    key = USER_VERSION_KEY.format(user_id)
    value = cache.get(key)
    if value is None:
        _seed_user_version(key)
        value = cache.get(key)
    return int(value)


def next_user_version(user_id: int) -> int:
    key = USER_VERSION_KEY.format(user_id)
    try:
        return int(cache.incr(key))
    except ValueError:  # the key is missing (first use, cache cleared or evicted)
        _seed_user_version(key)
        return int(cache.incr(key))


def _seed_user_version(key: str) -> None:
    # Seed with the clock in milliseconds, not 0: if the counter is lost (cache flushed, Redis
    # restarted) the next versions still exceed every version a client has seen, so they show
    # as a gap (→ fresh snapshot) instead of being dropped as stale.
    cache.add(key, int(time.time() * 1000), timeout=None)
