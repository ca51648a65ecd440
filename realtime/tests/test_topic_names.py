"""`Topic.name()`: the topic name built from a kind and its parameters, the reverse of `resolve()`."""

import re

import pytest

from realtime import topics
from realtime.tests.topics_for_tests import WidgetTopic
from realtime.topics import MeTopic, Topic, resolve


def registered_kinds() -> list[Topic]:
    return sorted(topics._registry.values(), key=lambda topic: topic.kind)


def params_of(topic: Topic) -> list[str]:
    return topic._param_order()


def test_every_app_kind_is_registered():
    # The kinds of the apps (and the test kinds of the autouse fixture) are all checked below.
    assert {"me", "club", "match", "widget", "secret"} <= {t.kind for t in registered_kinds()}


@pytest.mark.parametrize("value", ["7", 7, "123456789012345678"])
def test_name_round_trips_through_resolve_for_every_registered_kind(value):
    for topic in registered_kinds():
        order = params_of(topic)
        name = type(topic).name(*[value] * len(order))
        resolved, params = resolve(name)
        assert resolved is topic, name
        assert params == dict.fromkeys(order, str(value)), name


def test_name_takes_the_parameters_by_group_name_too():
    for topic in registered_kinds():
        order = params_of(topic)
        by_name = type(topic).name(**dict.fromkeys(order, 42))
        assert by_name == type(topic).name(*[42] * len(order))
        assert resolve(by_name)[0] is topic


def test_name_is_kind_then_parameters_in_group_order():
    class PairTopic(Topic):
        kind = "pair"
        pattern = re.compile(r"^pair:(?P<b>\d+):(?P<a>\d+)$")

    assert PairTopic.name(1, 2) == "pair:1:2"
    assert PairTopic.name(a=2, b=1) == "pair:1:2"
    # The same order as the group the updates go to.
    assert PairTopic().group(None, a="2", b="1") == "pair.1.2"


def test_name_of_me_and_of_an_instance():
    assert MeTopic.name() == "me"
    assert WidgetTopic().name(3) == WidgetTopic.name(3) == "widget:3"


@pytest.mark.parametrize("bad", ["abc", "7a", "", " 7", "1.5", "-1", None, 1.5, True])
def test_a_non_digit_parameter_raises_value_error(bad):
    kinds = [topic for topic in registered_kinds() if params_of(topic)]
    assert kinds
    for topic in kinds:
        with pytest.raises(ValueError):
            type(topic).name(*[bad] * len(params_of(topic)))


def test_a_missing_repeated_or_unknown_parameter_raises_value_error():
    with pytest.raises(ValueError):
        WidgetTopic.name()
    with pytest.raises(ValueError):
        WidgetTopic.name(1, 2)
    with pytest.raises(ValueError):
        WidgetTopic.name(1, id=1)
    with pytest.raises(ValueError):
        WidgetTopic.name(pk=1)
    with pytest.raises(ValueError):
        MeTopic.name(1)


def test_a_name_resolve_would_refuse_as_too_long_raises_value_error():
    class LongTopic(Topic):
        kind = "long"
        pattern = re.compile(r"^long:(?P<id>\d+)$")

    with pytest.raises(ValueError):
        LongTopic.name("1" * topics.MAX_TOPIC_NAME)
