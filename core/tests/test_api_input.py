"""`core.api.validated()` and `InputSerializer`: one way to check an API input, answered by the one
exception handler as `{"detail", "code", "errors"}`."""

import json

import pytest
from rest_framework import exceptions, serializers
from rest_framework.utils.encoders import JSONEncoder

from core.api import InputSerializer, exception_handler, validated


class Plain(InputSerializer):
    count = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=["a", "b"], required=False)


class OneCode(Plain):
    error_code = "invalid_request"


def as_json(errors) -> dict:
    return json.loads(json.dumps(errors, cls=JSONEncoder))


def refusal(serializer_class, data, **kwargs):
    with pytest.raises(exceptions.ValidationError) as caught:
        validated(serializer_class, data, **kwargs)
    return exception_handler(caught.value, {})


def test_it_returns_the_validated_data():
    assert validated(Plain, {"count": "3"}) == {"count": 3}


def test_partial_leaves_missing_fields_out():
    assert validated(Plain, {"kind": "a"}, partial=True) == {"kind": "a"}


def test_context_reaches_the_serializer():
    class WithContext(InputSerializer):
        def validate(self, attrs):
            return {"seen": self.context["who"]}

    assert validated(WithContext, {}, who="ann") == {"seen": "ann"}


def test_a_refusal_is_400_with_the_first_field_error_and_every_error():
    response = refusal(Plain, {"count": 0, "kind": "z"})

    assert response.status_code == 400
    assert response.data["detail"] == "count: Ensure this value is greater than or equal to 1."
    assert response.data["code"] == "min_value"
    assert set(response.data["errors"]) == {"count", "kind"}


def test_an_error_code_is_the_code_of_every_refusal_and_keeps_the_messages():
    plain = refusal(Plain, {"count": 0}).data
    one = refusal(OneCode, {"count": 0}).data

    assert one["code"] == "invalid_request"
    assert one["detail"] == plain["detail"]
    assert (
        as_json(one["errors"])
        == as_json(plain["errors"])
        == {"count": ["Ensure this value is greater than or equal to 1."]}
    )


def test_a_body_that_is_not_an_object_is_invalid_request():
    response = refusal(Plain, [1, 2])

    assert response.status_code == 400
    assert response.data["code"] == "invalid_request"
    assert "non_field_errors" in response.data["errors"]


def test_is_valid_without_raising_still_answers_false():
    serializer = OneCode(data={"count": "x"})

    assert serializer.is_valid() is False
    assert "count" in serializer.errors
