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
    class Status(models.TextChoices):
        LIVE = "live", _("live")
        FINISHED = "finished", _("finished")
        ABANDONED = "abandoned", _("abandoned")

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
        ]
        indexes = [
            # The club's live matches (TV page, Watch screen): status=live and club=<id>.
            models.Index(fields=["status", "club"], name="match_status_club"),
            # Recent finished matches (history lists, stats backfill in order).
            models.Index(fields=["status", "finished_at"], name="match_status_finished"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_discipline_display()}"

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE


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
