"""Pages of the club floor outside the API: the check-in screen the club shows at its tables."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from games import selectors
from games.models import Club


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 - from our own link


@require_GET
@never_cache
def checkin_screen(request, club_id: int):
    """`/tv/<club>/check-in/?key=…[&table=N]`: every table's current check-in QR code (or one
    table's, for a screen at that table), reloaded every half period so it never shows a code
    about to expire. Without the club's screen key it does not exist (404): the codes are only
    for the club's own screens."""
    club = get_object_or_404(Club, pk=club_id)
    if not selectors.checkin_screen_key_valid(club, request.GET.get("key", "")):
        raise Http404
    states = selectors.floor_tables(club=club, now=timezone.now())
    number = request.GET.get("table")
    if number is not None:
        states = [s for s in states if str(s.table.number) == number]
        if not states:
            raise Http404
    step = selectors.checkin_step()
    tables = [
        {
            "number": state.table.number,
            "name": str(state.table),
            "kind": state.table.get_kind_display(),
            "status": state.status,
            "qr": _qr_svg(selectors.checkin_link(state.table, step=step))
            if state.status != selectors.OUT_OF_SERVICE
            else None,
        }
        for state in states
    ]
    context = {
        "club": club,
        "tables": tables,
        "single": number is not None,
        "refresh": max(5, settings.CHECKIN_CODE_SECONDS // 2),
    }
    return render(request, "tv/checkin.html", context)
