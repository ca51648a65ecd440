"""Admin of live scoring: matches with their event log inline (read-only); staff actions correct a
result (appends a `correction` event, never edits history) and abandon a match.

"Disputed results" (a proxy of Match) is the staff queue: results the other side disputed, oldest
first, each with its event log and result trail; staff confirm, correct or void them (both sides
are told, by `games.scoring.results` and the notifications it feeds)."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from games.models import DisputedResult, Match, MatchEvent, MatchSide, ResultReview
from games.scoring import results, services


class MatchSideInline(admin.TabularInline):
    model = MatchSide
    extra = 0
    can_delete = False
    fields = ("index", "players", "guest_name")
    readonly_fields = ("index", "players", "guest_name")

    def has_add_permission(self, request, obj=None):
        return False


class MatchEventInline(admin.TabularInline):
    model = MatchEvent
    extra = 0
    can_delete = False
    ordering = ("seq",)
    fields = ("seq", "type", "payload", "actor", "voids", "created_at", "client_event_id")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ResultReviewInline(admin.TabularInline):
    model = ResultReview
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "actor", "reason")
    readonly_fields = fields
    verbose_name_plural = _("result trail")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CorrectionForm(forms.Form):
    frames_0 = forms.IntegerField(label=_("Frames, side 1"), min_value=0, required=False)
    frames_1 = forms.IntegerField(label=_("Frames, side 2"), min_value=0, required=False)
    score_0 = forms.IntegerField(label=_("Score, side 1"), required=False)
    score_1 = forms.IntegerField(label=_("Score, side 2"), required=False)

    def pair(self, name):
        a, b = self.cleaned_data.get(f"{name}_0"), self.cleaned_data.get(f"{name}_1")
        if a is None and b is None:
            return None
        if a is None or b is None:
            raise forms.ValidationError(_("Give both sides or neither."))
        return [a, b]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "discipline",
        "sides_label",
        "status",
        "result_status",
        "score",
        "club",
        "table",
        "created_at",
    )
    list_filter = ("status", "result_status", "discipline", "visibility", "club")
    search_fields = ("sides__players__username", "sides__players__first_name", "sides__guest_name")
    date_hierarchy = "created_at"
    list_select_related = ("club", "table")
    inlines = [MatchSideInline, MatchEventInline, ResultReviewInline]
    readonly_fields = (
        "discipline",
        "format",
        "club",
        "table",
        "session",
        "status",
        "winner_side",
        "result_status",
        "result_side",
        "result_via",
        "result_by",
        "result_at",
        "dispute_reason",
        "reopen_side",
        "version",
        "state",
        "created_by",
        "created_at",
        "updated_at",
        "finished_at",
    )
    fields = ("visibility", *readonly_fields)
    actions = ["abandon_matches", "confirm_results", "void_results"]
    change_form_template = "admin/games/match/change_form.html"

    def has_add_permission(self, request):
        return False  # matches are started from the app (they need their sides and an engine)

    def has_delete_permission(self, request, obj=None):
        return False  # the log is the record of what was played

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sides__players")

    @admin.display(description=_("sides"))
    def sides_label(self, obj):
        return " — ".join(s.label for s in obj.sides.all())

    @admin.display(description=_("score"))
    def score(self, obj):
        state = obj.state or {}
        frames, score = state.get("frames") or [0, 0], state.get("score") or [0, 0]
        return f"{frames[0]}:{frames[1]} ({score[0]}:{score[1]})"

    @admin.action(description=_("Abandon the selected live matches"))
    def abandon_matches(self, request, queryset):
        done = 0
        for match in queryset.filter(status=Match.Status.LIVE):
            try:
                services.match_abandon(match_id=match.pk, actor=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"#{match.pk}: {exc.detail}", messages.ERROR)
        self.message_user(request, _("%(n)d match(es) abandoned.") % {"n": done})

    @admin.action(description=_("Confirm the selected results as scored"))
    def confirm_results(self, request, queryset):
        done = self._settle(request, queryset, results.match_result_staff_confirm)
        self.message_user(request, _("%(n)d result(s) confirmed.") % {"n": done})

    @admin.action(description=_("Void the selected results (they never count)"))
    def void_results(self, request, queryset):
        done = self._settle(request, queryset, results.match_result_void)
        self.message_user(request, _("%(n)d result(s) voided.") % {"n": done})

    def _settle(self, request, queryset, service) -> int:
        done = 0
        for match in queryset.filter(status=Match.Status.FINISHED):
            try:
                service(match_id=match.pk, actor=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"#{match.pk}: {exc.detail}", messages.ERROR)
        return done

    def get_urls(self):
        urls = [
            path(
                "<int:match_id>/settle/<str:how>/",
                self.admin_site.admin_view(self.settle_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_settle",
            ),
            path(
                "<int:match_id>/correct/",
                self.admin_site.admin_view(self.correct_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_correct",
            ),
            path(
                "<int:match_id>/abandon/",
                self.admin_site.admin_view(self.abandon_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_abandon",
            ),
        ]
        return urls + super().get_urls()

    def _change_url(self, match_id):
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[match_id]
        )

    def correct_view(self, request, match_id):
        match = Match.objects.filter(pk=match_id).first()
        if match is None or not self.has_change_permission(request, match):
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            )
        form = CorrectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                frames, score = form.pair("frames"), form.pair("score")
                services.match_correct(
                    match_id=match.pk,
                    actor=request.user,
                    frames=frames if match.discipline != "straight_pool" else None,
                    score=score,
                )
            except forms.ValidationError as exc:
                form.add_error(None, exc)
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                self.message_user(
                    request, _("The result was corrected (a correction event was appended).")
                )
                return HttpResponseRedirect(self._change_url(match.pk))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": match,
            "form": form,
            "title": _("Correct the result of %(match)s") % {"match": match},
        }
        return TemplateResponse(request, "admin/games/match/correct.html", context)

    def settle_view(self, request, match_id, how):
        """POST from the change form: confirm or void the result."""
        service = {
            "confirm": results.match_result_staff_confirm,
            "void": results.match_result_void,
        }.get(how)
        match = Match.objects.filter(pk=match_id).first()
        if (
            service is not None
            and match is not None
            and request.method == "POST"
            and self.has_change_permission(request, match)
        ):
            try:
                service(
                    match_id=match.pk,
                    actor=request.user,
                    **({"reason": request.POST.get("reason", "")} if how == "void" else {}),
                )
                self.message_user(
                    request,
                    _("The result was confirmed.")
                    if how == "confirm"
                    else _("The result was voided."),
                )
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
        return HttpResponseRedirect(self._change_url(match_id))

    def abandon_view(self, request, match_id):
        match = Match.objects.filter(pk=match_id).first()
        if (
            match is not None
            and request.method == "POST"
            and self.has_change_permission(request, match)
        ):
            try:
                services.match_abandon(match_id=match.pk, actor=request.user)
                self.message_user(request, _("The match was abandoned."))
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
        return HttpResponseRedirect(self._change_url(match_id))


@admin.register(DisputedResult)
class DisputedResultAdmin(MatchAdmin):
    """The staff queue: disputed results, oldest first."""

    list_display = ("id", "discipline", "sides_label", "score", "dispute_reason", "finished_at")
    list_filter = ("discipline", "club")
    date_hierarchy = None
    actions = ["confirm_results", "void_results"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(status=Match.Status.FINISHED, result_status=Match.ResultStatus.DISPUTED)
            .order_by("finished_at", "id")
        )
