"""Statistics derived from the match logs and table sessions; every row can be rebuilt.

* ``PlayerMatch`` — one row per registered player per finished match: the facts stats are
  summed from (result, frames, fouls, best run, frame times) and the rating before/after the
  match (empty for a match against a guest). Serves history, head-to-head, period leaderboards,
  rating history (sparkline) and the recompute-from-here of ratings.
* ``Rating`` — the current rating of a player in a discipline family.
* ``PlayerStats`` — per player per family, plus one ``overall`` row, summed from PlayerMatch.
* ``ProcessedMatch`` — the marker of what the finish task last applied for a match (the
  fingerprint of its result): a repeat run finds it equal and changes nothing.
* ``FamilyLedger`` — one row per family, locked by the finish task: rating updates of a family
  are order-dependent, so they are serialised.
* ``Achievement`` — an award, once per player and code.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from games.models import Club


class Family(models.TextChoices):
    PYRAMID = "pyramid", _("Russian pyramid")
    POOL = "pool", _("Pool")
    STRAIGHT_POOL = "straight_pool", _("Straight pool (14.1)")
    SNOOKER = "snooker", _("Snooker")


OVERALL = "overall"
STATS_SCOPES = [*Family.choices, (OVERALL, _("All disciplines"))]


class FamilyLedger(models.Model):
    """The lock (and change counter) of one family's ratings."""

    family = models.CharField(_("family"), max_length=16, choices=Family.choices, unique=True)
    version = models.BigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("rating ledger")
        verbose_name_plural = _("rating ledgers")

    def __str__(self) -> str:
        return f"{self.family} v{self.version}"


class ProcessedMatch(models.Model):
    match = models.OneToOneField(
        "games.Match", on_delete=models.CASCADE, related_name="+", verbose_name=_("match")
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    processed_at = models.DateTimeField(_("processed"), auto_now=True)

    class Meta:
        verbose_name = _("processed match")
        verbose_name_plural = _("processed matches")

    def __str__(self) -> str:
        return f"{self.match_id}: {self.fingerprint[:8]}"


class PlayerMatch(models.Model):
    player = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="stat_matches",
        verbose_name=_("player"),
    )
    match = models.ForeignKey(
        "games.Match", on_delete=models.CASCADE, related_name="player_rows", verbose_name=_("match")
    )
    family = models.CharField(_("family"), max_length=16, choices=Family.choices)
    discipline = models.CharField(_("discipline"), max_length=32)
    club = models.ForeignKey(
        Club, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished"))
    side = models.PositiveSmallIntegerField(_("side"))
    won = models.BooleanField(_("won"))
    doubles = models.BooleanField(_("doubles"), default=False)
    against_guest = models.BooleanField(_("against a guest"), default=False)
    frames_won = models.PositiveIntegerField(_("frames won"), default=0)
    frames_lost = models.PositiveIntegerField(_("frames lost"), default=0)
    # Frames whose length is known (both ends inside the event log) and their total seconds.
    frames_timed = models.PositiveIntegerField(default=0)
    frame_seconds = models.PositiveIntegerField(default=0)
    fouls = models.PositiveIntegerField(_("fouls"), default=0)
    # Best run (14.1) / break (snooker) of the side in this match; null where not tracked.
    high_run = models.PositiveIntegerField(_("best run / break"), null=True, blank=True)
    # Pyramid frames won 8–0 and 9-ball racks won by break-and-run.
    clean_frames = models.PositiveIntegerField(default=0)
    break_and_runs = models.PositiveIntegerField(default=0)
    # Rating of the player in the family before and after this match (null: not rated).
    mu_before = models.FloatField(null=True, blank=True)
    sigma_before = models.FloatField(null=True, blank=True)
    mu_after = models.FloatField(null=True, blank=True)
    sigma_after = models.FloatField(null=True, blank=True)
    rating_before = models.IntegerField(null=True, blank=True)
    rating_after = models.IntegerField(null=True, blank=True)
    rated_frames_after = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("player match")
        verbose_name_plural = _("player matches")
        ordering = ["-finished_at", "-match_id"]
        constraints = [
            models.UniqueConstraint(fields=["player", "match"], name="player_match_unique"),
            models.CheckConstraint(condition=Q(side__in=[0, 1]), name="player_match_side_0_1"),
        ]
        indexes = [
            # A player's history (newest first), their stats recompute and the sparkline.
            models.Index(
                fields=["player", "family", "-finished_at"], name="player_match_player_family"
            ),
            models.Index(fields=["player", "-finished_at"], name="player_match_player_recent"),
            # Period leaderboards (family, since) and the ratings replay from a point in order.
            models.Index(fields=["family", "finished_at", "match"], name="player_match_order"),
            # Head-to-head: rows of one match by player.
            models.Index(fields=["match", "player"], name="player_match_match"),
        ]

    def __str__(self) -> str:
        return f"{self.player_id} in {self.match_id}"


class Rating(models.Model):
    player = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ratings",
        verbose_name=_("player"),
    )
    family = models.CharField(_("family"), max_length=16, choices=Family.choices)
    mu = models.FloatField(_("mu"))
    sigma = models.FloatField(_("sigma"))
    # 1500 + 40 * (mu - 3 sigma): stored for ordering the leaderboard by an index.
    display = models.IntegerField(_("rating"))
    frames = models.PositiveIntegerField(_("rated frames"), default=0)
    matches = models.PositiveIntegerField(_("rated matches"), default=0)
    wins = models.PositiveIntegerField(_("rated wins"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["player", "family"], name="rating_player_family"),
        ]
        indexes = [
            # The all-time leaderboard of a family: highest rating first.
            models.Index(fields=["family", "-display", "player"], name="rating_leaderboard"),
        ]

    def __str__(self) -> str:
        return f"{self.player_id} {self.family} {self.display}"


class PlayerStats(models.Model):
    player = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="stats",
        verbose_name=_("player"),
    )
    scope = models.CharField(_("discipline family"), max_length=16, choices=STATS_SCOPES)
    matches = models.PositiveIntegerField(_("matches"), default=0)
    matches_won = models.PositiveIntegerField(_("matches won"), default=0)
    frames = models.PositiveIntegerField(_("frames"), default=0)
    frames_won = models.PositiveIntegerField(_("frames won"), default=0)
    # Positive: a run of wins, negative: of losses (latest matches).
    current_streak = models.IntegerField(_("current streak"), default=0)
    best_streak = models.PositiveIntegerField(_("best win streak"), default=0)
    frames_timed = models.PositiveIntegerField(default=0)
    frame_seconds = models.PositiveIntegerField(default=0)
    fouls = models.PositiveIntegerField(_("fouls"), default=0)
    high_run = models.PositiveIntegerField(_("best run / break"), null=True, blank=True)
    clean_frames = models.PositiveIntegerField(default=0)
    break_and_runs = models.PositiveIntegerField(default=0)
    # Time at the club's tables (closed table sessions the player was in); overall row only.
    play_seconds = models.PositiveBigIntegerField(_("play time, seconds"), default=0)
    last_match_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("player statistics")
        verbose_name_plural = _("player statistics")
        constraints = [
            models.UniqueConstraint(fields=["player", "scope"], name="player_stats_player_scope"),
        ]
        # (player, scope) lookups are served by the unique constraint's index.

    def __str__(self) -> str:
        return f"{self.player_id} {self.scope}"

    @property
    def win_rate(self) -> float | None:
        return self.matches_won / self.matches if self.matches else None

    @property
    def frame_win_rate(self) -> float | None:
        return self.frames_won / self.frames if self.frames else None

    @property
    def avg_frame_seconds(self) -> int | None:
        return round(self.frame_seconds / self.frames_timed) if self.frames_timed else None

    @property
    def fouls_per_frame(self) -> float | None:
        return self.fouls / self.frames if self.frames else None


class Achievement(models.Model):
    player = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="achievements",
        verbose_name=_("player"),
    )
    code = models.CharField(_("achievement"), max_length=40)
    awarded_at = models.DateTimeField(_("awarded"), auto_now_add=True)
    match = models.ForeignKey(
        "games.Match", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        ordering = ["awarded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["player", "code"], name="achievement_once_per_player"),
        ]
        # A player's awards: served by the unique constraint's index (player first).

    def __str__(self) -> str:
        return f"{self.player_id}: {self.code}"


class ClubAnalytics(Club):
    """The staff's analytics dashboard of a club (a proxy: an entry on the admin index)."""

    class Meta:
        proxy = True
        verbose_name = _("club analytics")
        verbose_name_plural = _("club analytics")
