"""Matches and their append-only event log (live scoring).

A match's state is the rules engine (games/rules/) folded over its *effective* events: every event
except `undo` events and the events they void. The latest state and its version (= the last seq,
undo events included) are stored on the match for fast reads and can be rebuilt from the log
(`manage.py rebuild_match_state`). Writes go through `games.scoring.services` only.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from games.rules import DISCIPLINES

DISCIPLINE_LABELS = {
    "pyramid_free": _("Free pyramid"),
    "pyramid_moscow": _("Moscow pyramid"),
    "pyramid_nevskaya": _("Nevskaya pyramid"),
    "pool_8": _("8-ball"),
    "pool_9": _("9-ball"),
    "pool_10": _("10-ball"),
    "straight_pool": _("Straight pool (14.1)"),
    "snooker": _("Snooker"),
}
DISCIPLINE_CHOICES = [(d, DISCIPLINE_LABELS.get(d, d)) for d in DISCIPLINES]


class Match(models.Model):
    """A match and its result.

    Result confirmation (`result_*` fields): a finished result counts for stats and ratings only
    once it is `confirmed` — by a player of the other side than the one who finish-scored it
    (`result_side`), by staff, or by the club's records (a table session both sides were checked
    into, covering the match). A result with a guest side is confirmed at once (no rating moves).
    `disputed` waits for staff (confirm, correct or void); `void` never counts. Written by
    `games.scoring.services` / `games.scoring.results` only.
    """

    class Status(models.TextChoices):
        LIVE = "live", _("live")
        FINISHED = "finished", _("finished")
        ABANDONED = "abandoned", _("abandoned")

    class ResultStatus(models.TextChoices):
        PENDING = "pending", _("awaiting confirmation")
        CONFIRMED = "confirmed", _("counts (confirmed)")
        DISPUTED = "disputed", _("disputed")
        VOID = "void", _("void")

    class ResultVia(models.TextChoices):
        NONE = "", _("not yet")
        OPPONENT = "opponent", _("the other side confirmed")
        STAFF = "staff", _("club staff")
        SESSION = "session", _("a shared table session")
        GUEST = "guest", _("a guest side (unrated)")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("public: anyone may watch")
        CLUB = "club", _("club: signed-in players may watch")
        PRIVATE = "private", _("private: only its players and staff")

    discipline = models.CharField(_("discipline"), max_length=32, choices=DISCIPLINE_CHOICES)
    # Normalised by the engine's validate_format ({"race_to", "best_of"} or {"points_to"}).
    format = models.JSONField(_("format"))
    club = models.ForeignKey(
        "games.Club",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matches",
        verbose_name=_("club"),
    )
    table = models.ForeignKey(
        "games.Table",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="matches",
        verbose_name=_("table"),
    )
    session = models.ForeignKey(
        "games.TableSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="matches",
        verbose_name=_("table session"),
    )
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.LIVE
    )
    # 0 or 1 (the side), None while live, after an abandon or a draw.
    winner_side = models.PositiveSmallIntegerField(_("winner side"), null=True, blank=True)
    # The engine state after the last effective event, and the last seq (0 = no event yet).
    state = models.JSONField(_("state"), editable=False)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Meaningful while finished; reset to pending when the match reopens.
    result_status = models.CharField(
        _("result"), max_length=16, choices=ResultStatus.choices, default=ResultStatus.PENDING
    )
    # The side whose player entered the finishing event (None: staff or a guest side): the
    # other side is asked to confirm.
    result_side = models.PositiveSmallIntegerField(
        _("finish-scored by side"), null=True, blank=True
    )
    result_via = models.CharField(
        _("confirmed by"), max_length=16, choices=ResultVia.choices, default="", blank=True
    )
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("result settled by"),
    )
    result_at = models.DateTimeField(_("result settled"), null=True, blank=True)
    dispute_reason = models.CharField(_("dispute reason"), max_length=500, blank=True)
    # A side asked to reopen the finished match (an undo); the other side's undo agrees.
    reopen_side = models.PositiveSmallIntegerField(_("reopen asked by side"), null=True, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last event"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(winner_side__isnull=True) | Q(winner_side__in=[0, 1]),
                name="match_winner_side_0_or_1",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["live", "finished", "abandoned"]),
                name="match_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="live") | Q(finished_at__isnull=False),
                name="match_over_has_finished_at",
            ),
            models.CheckConstraint(
                condition=Q(result_status__in=["pending", "confirmed", "disputed", "void"]),
                name="match_result_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(result_side__isnull=True) | Q(result_side__in=[0, 1]),
                name="match_result_side_0_or_1",
            ),
            models.CheckConstraint(
                condition=Q(reopen_side__isnull=True) | Q(reopen_side__in=[0, 1]),
                name="match_reopen_side_0_or_1",
            ),
        ]
        indexes = [
            # The club's live matches (TV page, Watch screen): status=live and club=<id>.
            models.Index(fields=["status", "club"], name="match_status_club"),
            # Recent finished matches (history lists, stats backfill in order).
            models.Index(fields=["status", "finished_at"], name="match_status_finished"),
            # The staff queue of disputed results, oldest first; a player's pending results.
            models.Index(fields=["result_status", "finished_at"], name="match_result_queue"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_discipline_display()}"

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE

    @property
    def result_counts(self) -> bool:
        """Whether stats, ratings and leaderboards count this match."""
        return (
            self.status == self.Status.FINISHED
            and self.result_status == self.ResultStatus.CONFIRMED
        )


class MatchSide(models.Model):
    """One of the two sides of a match: one or two registered players, or a named guest."""

    match = models.ForeignKey(
        Match, on_delete=models.CASCADE, related_name="sides", verbose_name=_("match")
    )
    index = models.PositiveSmallIntegerField(_("side"))
    players = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="match_sides",
        blank=True,
        verbose_name=_("players"),
    )
    guest_name = models.CharField(_("guest name"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("match side")
        verbose_name_plural = _("match sides")
        ordering = ["match", "index"]
        constraints = [
            models.UniqueConstraint(fields=["match", "index"], name="match_side_unique_index"),
            models.CheckConstraint(condition=Q(index__in=[0, 1]), name="match_side_index_0_or_1"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.guest_name:
            return self.guest_name
        return " & ".join(p.display_name for p in self.players.all()) or "—"


class MatchEvent(models.Model):
    """One entry of a match's append-only log. Never updated or deleted by the app."""

    class Type(models.TextChoices):
        POT = "pot", _("pot")
        FOUL = "foul", _("foul")
        RACK = "rack", _("rack")
        END_TURN = "end_turn", _("end of turn")
        CONCEDE_FRAME = "concede_frame", _("frame conceded")
        CONCEDE_MATCH = "concede_match", _("match conceded")
        ABANDON = "abandon", _("abandoned")
        UNDO = "undo", _("undo")
        CORRECTION = "correction", _("correction")
        FOUL_CHOICE = "foul_choice", _("choice after a foul")
        PUSH_OUT = "push_out", _("push-out")
        PUSH_OUT_CHOICE = "push_out_choice", _("choice after a push-out")
        LAG = "lag", _("lag for the break")
        TIME_FOUL = "time_foul", _("time foul")
        CLOCK_EXTENSION = "clock_extension", _("shot clock extension")

    match = models.ForeignKey(
        Match, on_delete=models.CASCADE, related_name="events", verbose_name=_("match")
    )
    seq = models.PositiveIntegerField(_("seq"))
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    # The event as the engine sees it (type and fields, no envelope); {} for undo.
    payload = models.JSONField(_("payload"), default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    client_event_id = models.UUIDField(_("client event id"), default=uuid.uuid4)
    # On an undo event: the event it voids (one undo per event at most).
    voids = models.OneToOneField(
        "self",
        # CASCADE so that deleting a whole match (with its log) is possible; the app itself never
        # deletes events.
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="voided_by",
        verbose_name=_("voids"),
    )
    # The match state right after this event (what the request that wrote it answered; a retry
    # with the same client_event_id gets exactly this back).
    state_after = models.JSONField(_("state after"), editable=False)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("match event")
        verbose_name_plural = _("match events")
        ordering = ["match", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["match", "seq"], name="match_event_unique_seq"),
            models.UniqueConstraint(
                fields=["match", "client_event_id"], name="match_event_unique_client_id"
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="match_event_seq_positive"),
            models.CheckConstraint(
                condition=Q(type="undo", voids__isnull=False)
                | (~Q(type="undo") & Q(voids__isnull=True)),
                name="match_event_undo_voids_one",
            ),
        ]
        # (match, seq) and (match, client_event_id) are served by the unique constraints' indexes.

    def __str__(self) -> str:
        return f"{self.match_id}#{self.seq} {self.type}"


class ResultReview(models.Model):
    """The audit trail of a match's result: who confirmed, disputed, settled or asked to reopen it
    (the staff queue shows it next to the event log)."""

    class Action(models.TextChoices):
        CONFIRM = "confirm", _("confirmed")
        DISPUTE = "dispute", _("disputed")
        STAFF_CONFIRM = "staff_confirm", _("confirmed by staff")
        VOID = "void", _("voided by staff")
        CORRECT = "correct", _("corrected by staff")
        AUTO = "auto", _("confirmed by the club's records")
        REOPEN_REQUEST = "reopen_request", _("asked to reopen")
        REOPEN = "reopen", _("reopened")

    match = models.ForeignKey(
        Match, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("match")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("result review")
        verbose_name_plural = _("result reviews")
        ordering = ["match", "created_at", "id"]
        # A match's trail (the admin inline): served by the match foreign key's index.

    def __str__(self) -> str:
        return f"{self.match_id} {self.action}"


class DisputedResult(Match):
    """The admin's staff queue of disputed results (a proxy: same rows, own admin page)."""

    class Meta:
        proxy = True
        verbose_name = _("disputed result")
        verbose_name_plural = _("disputed results")
