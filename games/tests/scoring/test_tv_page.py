"""The club TV page: served for a club, 404 for an unknown one."""

import pytest

from games.tests.factories import ClubFactory

pytestmark = pytest.mark.django_db


def test_the_tv_page_of_a_club_is_served(client):
    club = ClubFactory(name="Artel TV")

    response = client.get(f"/tv/{club.pk}/")

    assert response.status_code == 200
    assert b"Artel TV" in response.content
    assert b"js/tv.js" in response.content


def test_the_tv_page_of_an_unknown_club_is_404(client):
    assert client.get("/tv/424242/").status_code == 404
