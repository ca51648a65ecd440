"""The names of the club floor's and live scoring's topics, as the services publish them."""

import pytest

from games.scoring.topics import MatchTopic
from games.topics import ClubTopic
from realtime.topics import resolve


def test_club_topic_name():
    assert ClubTopic.name(5) == "club:5"
    topic, params = resolve(ClubTopic.name(5))
    assert isinstance(topic, ClubTopic)
    assert params == {"id": "5"}


def test_match_topic_name():
    assert MatchTopic.name(12) == "match:12"
    topic, params = resolve(MatchTopic.name("12"))
    assert isinstance(topic, MatchTopic)
    assert params == {"id": "12"}


@pytest.mark.parametrize("kind", [ClubTopic, MatchTopic])
@pytest.mark.parametrize("bad", ["abc", "5x", "", 0, -1, None])
def test_a_bad_id_raises_value_error(kind, bad):
    with pytest.raises(ValueError):
        kind.name(bad)
