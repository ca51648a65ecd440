"""The club's TV page (/tv/<club id>/): every live match of the club and the floor, big type."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from games.models import Club


@require_GET
def club_tv(request, club_id: int):
    club = get_object_or_404(Club, pk=club_id)
    return render(request, "tv/club.html", {"club": club, "tv_config": {"clubId": club.pk}})
