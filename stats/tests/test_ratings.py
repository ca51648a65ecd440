"""The rating system, baselines and replay report: pure, no database."""

import math

import pytest

from stats.ratings import (
    DISPLAY_BASE,
    PROVISIONAL_FRAMES,
    CoinFlip,
    Elo,
    FrameResult,
    OpenSkillRatings,
    PlayerRating,
    compare,
    display_rating,
    match_win_probability,
    replay,
    score,
    win_probability,
)


def test_a_newcomer_shows_1500_and_is_provisional():
    rating = PlayerRating()
    assert rating.display == DISPLAY_BASE
    assert rating.provisional


def test_display_is_the_conservative_value_scaled():
    assert display_rating(30.0, 2.0) == 1500 + 40 * 24


def test_a_frame_win_raises_the_winner_and_lowers_the_loser():
    system = OpenSkillRatings()
    system.update((1,), (2,), winner=0)
    assert system.get(1).mu > 25.0 > system.get(2).mu
    assert system.get(1).sigma < 25.0 / 3.0
    assert system.get(1).frames == system.get(2).frames == 1


def test_doubles_rate_both_partners_equally_from_equal_starts():
    system = OpenSkillRatings()
    system.update((1, 2), (3, 4), winner=1)
    assert system.get(1).mu == pytest.approx(system.get(2).mu)
    assert system.get(3).mu == pytest.approx(system.get(4).mu)
    assert system.get(3).mu > 25.0 > system.get(1).mu


def test_equal_players_have_even_chances_and_a_winner_becomes_favourite():
    system = OpenSkillRatings()
    assert system.predict((1,), (2,)) == pytest.approx(0.5)
    for _ in range(5):
        system.update((1,), (2,), winner=0)
    assert system.predict((1,), (2,)) > 0.6
    assert system.predict((1,), (2,)) + system.predict((2,), (1,)) == pytest.approx(1.0)


def test_win_probability_of_stored_ratings():
    strong, weak = PlayerRating(mu=32, sigma=3), PlayerRating(mu=20, sigma=3)
    assert win_probability([strong], [weak]) > 0.65
    assert win_probability([weak], [strong]) == pytest.approx(1 - win_probability([strong], [weak]))


def test_match_win_probability_is_the_race_to_n_sum():
    # race to 2 with p = 0.6: p^2 + 2 p^2 q = 0.36 + 0.288
    assert match_win_probability(0.6, 2) == pytest.approx(0.648)
    assert match_win_probability(0.5, 5) == pytest.approx(0.5)


def test_a_rating_stops_being_provisional_after_enough_frames():
    system = OpenSkillRatings()
    for i in range(PROVISIONAL_FRAMES):
        system.update((1,), (100 + i,), winner=i % 2)
    assert not system.get(1).provisional


def test_elo_k32_moves_16_points_between_equals():
    elo = Elo()
    elo.update((1,), (2,), winner=0)
    assert elo.ratings == {1: 1516.0, 2: 1484.0}


def test_replay_predicts_before_it_updates_and_skips_guest_frames():
    frames = [
        FrameResult((1,), (2,), 0),
        FrameResult((1,), (), 0),  # a guest side: not rated
        FrameResult((1,), (2,), 1),
    ]
    predictions = replay(frames, Elo())
    assert predictions[0] == (0.5, 1)
    assert predictions[1][0] == pytest.approx(1 / (1 + 10 ** (-32 / 400)))
    assert predictions[1][1] == 0
    assert len(predictions) == 2


def test_score_computes_log_loss_brier_and_calibration_by_hand():
    report = score("x", [(0.8, 1), (0.8, 0), (0.3, 0)])
    assert report.frames == 3
    assert report.log_loss == pytest.approx(-(math.log(0.8) + math.log(0.2) + math.log(0.7)) / 3)
    assert report.brier == pytest.approx((0.04 + 0.64 + 0.09) / 3)
    assert report.accuracy == pytest.approx(2 / 3)
    bucket_8 = report.calibration[8]
    assert (bucket_8.count, bucket_8.wins, bucket_8.observed) == (2, 1, 0.5)
    assert report.calibration[3].count == 1


def test_the_coin_flip_scores_log_2():
    report = score("coin", replay([FrameResult((1,), (2,), 0)] * 4, CoinFlip()))
    assert report.log_loss == pytest.approx(math.log(2))
    assert report.brier == pytest.approx(0.25)


def test_the_chosen_system_beats_both_baselines_on_the_synthetic_history():
    from bench.synthetic_history import generate

    history = generate(seed=2, players=120, matches=700)
    chosen, coin, elo = compare(history.frames)
    assert chosen.log_loss < coin.log_loss
    assert chosen.log_loss < elo.log_loss
    assert chosen.brier < min(coin.brier, elo.brier)
