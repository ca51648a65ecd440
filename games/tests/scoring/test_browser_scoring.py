"""Live scoring in Chromium: Ann starts and scores a 9-ball race to 2 on her phone while a second
phone watches it live; part of it is scored offline (queued taps, sent on reconnect)."""

import pytest

from accounts.tests.factories import UserFactory
from games.models import Match, MatchEvent
from testing.browser import signed_init_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANN = {
    "id": 6001,
    "first_name": "Ann",
    "last_name": "Smirnova",
    "username": "ann_tg",
    "language_code": "en",
}


def scorer_page(new_phone_page, live_app):
    init = signed_init_data(live_app.bot_token, user=ANN)
    page = new_phone_page(telegram_init_data=init)
    page.goto(f"{live_app}/play")
    page.wait_for_selector("#app[data-ready='1']")
    return page


def tap(page, side, action):
    page.click(f"#play-pads .pad[data-side='{side}'] .tap[data-action='{action}']:not([data-how])")


def board(page, root):
    return {
        "version": int(page.get_attribute(f"{root} .board", "data-version")),
        "big": [page.inner_text(f"{root} [data-role='big-{i}']") for i in (0, 1)],
        "status": page.get_attribute(f"{root} .board", "data-status"),
    }


def wait_version(page, root, version):
    page.wait_for_selector(f"{root} .board[data-version='{version}']", timeout=10000)


def test_a_match_scored_on_one_phone_is_watched_live_on_another_also_through_offline(
    live_app, new_phone_page
):
    UserFactory(username="ivan-browser", first_name="Ivan", last_name="Petrov")
    ann = scorer_page(new_phone_page, live_app)

    # Start: 9-ball, race to 2, against Ivan found by name.
    ann.select_option("#play-discipline", "pool_9")
    ann.fill("#play-format", "2")
    ann.fill("#play-opponent", "Petrov")
    ann.click("#play-root .play-results button[data-player]")
    ann.click("#play-start")
    ann.wait_for_selector("#play-pads .pad[data-side='1']")
    match = Match.objects.get()
    assert match.discipline == "pool_9" and match.format["race_to"] == 2
    wait_version(ann, "#play-board", 0)

    # A second phone (anonymous, outside Telegram) watches the public match.
    watcher = new_phone_page()
    watcher.goto(f"{live_app}/watch/{match.pk}")
    wait_version(watcher, "#watch-board", 0)

    seen = []

    def step(side, action, version, big):
        tap(ann, side, action)
        wait_version(ann, "#play-board", version)
        wait_version(watcher, "#watch-board", version)
        seen.append(board(watcher, "#watch-board")["big"])
        assert seen[-1] == big

    step(0, "rack", 1, ["1", "0"])
    step(1, "foul", 2, ["1", "0"])
    step(1, "rack", 3, ["1", "1"])
    ann.click("#play-undo")
    wait_version(ann, "#play-board", 4)
    wait_version(watcher, "#watch-board", 4)
    assert board(watcher, "#watch-board")["big"] == ["1", "0"]
    step(1, "rack", 5, ["1", "1"])

    # Offline: taps are queued on the phone, nothing reaches the server.
    ann.context.set_offline(True)
    tap(ann, 0, "foul")
    tap(ann, 1, "foul")
    ann.wait_for_selector("#play-pending[data-pending='2']")
    ann.wait_for_timeout(700)
    assert MatchEvent.objects.filter(match=match).count() == 5
    assert board(watcher, "#watch-board")["version"] == 5

    # Back online: the queue drains in order, each tap applied once.
    ann.context.set_offline(False)
    wait_version(ann, "#play-board", 7)
    wait_version(watcher, "#watch-board", 7)
    ann.wait_for_selector("#play-pending[data-pending='0']")
    assert list(MatchEvent.objects.filter(match=match).values_list("seq", "type")) == [
        (1, "rack"),
        (2, "foul"),
        (3, "rack"),
        (4, "undo"),
        (5, "rack"),
        (6, "foul"),
        (7, "foul"),
    ]

    # The deciding rack.
    step(0, "rack", 8, ["2", "1"])
    for page, root in ((ann, "#play-board"), (watcher, "#watch-board")):
        page.wait_for_selector(f"{root} .board[data-status='finished']")
    final_scorer = board(ann, "#play-board")
    final_watcher = board(watcher, "#watch-board")
    assert final_scorer == final_watcher == {"version": 8, "big": ["2", "1"], "status": "finished"}
    assert ann.inner_text("#play-board [data-role='status']") == watcher.inner_text(
        "#watch-board [data-role='status']"
    )
    match.refresh_from_db()
    assert (match.status, match.winner_side, match.version) == ("finished", 0, 8)
    # Chromium logs the requests it could not send while offline; nothing else may fail.
    assert [e for e in ann.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
    assert watcher.console_errors == []
