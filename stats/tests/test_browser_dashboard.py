"""The staff analytics dashboard in real Chromium: the admin logs in through the login form and
the charts render from the vendored Chart.js (no console errors)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from games.models import Table
from stats.tests.factories import ClubFactory, TableFactory, TableSessionFactory

pytestmark = [pytest.mark.browser]
PASSWORD = "dash-board-pass-42"  # noqa: S105


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_renders_its_charts(live_app, phone_page):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True, password=PASSWORD)
    club = ClubFactory(name="Artel")
    table = TableFactory(club=club, number=1, kind=Table.Kind.POOL)
    now = timezone.now()
    TableSessionFactory(
        table=table,
        started_at=now - timedelta(hours=3),
        ended_at=now - timedelta(hours=1),
        amount=150000,
        players=[boss],
    )
    page = phone_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_app}/admin/login/?next=/admin/stats/clubanalytics/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/stats/clubanalytics/**")
    page.wait_for_selector("body[data-charts-ready='1']", state="attached", timeout=15000)

    canvases = page.locator("canvas")
    assert canvases.count() == 5
    for i in range(5):
        box = canvases.nth(i).bounding_box()
        assert box and box["width"] > 50 and box["height"] > 50
    # Chart.js attached a chart to every canvas and drew the revenue bar.
    assert page.evaluate("[...document.querySelectorAll('canvas')].every(c => !!Chart.getChart(c))")
    assert page.evaluate("Chart.getChart('chart-revenue-day').data.datasets[0].data.includes(1500)")
    assert "1\u202f500.00 ₽" in page.inner_text("#kpi-revenue")
    assert page.console_errors == []
