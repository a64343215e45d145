"""The one body parser at its edges: nesting depth and the size of numbers."""

import json

import pytest

from fastrefund.edge.json_bodies import MAX_DEPTH, media_type, parse_json_body


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_up_to_the_limit_is_read_and_one_more_is_refused():
    assert parse_json_body(nested(MAX_DEPTH)) is not None
    with pytest.raises(json.JSONDecodeError, match="deeper than 32"):
        parse_json_body(nested(MAX_DEPTH + 1))
    with pytest.raises(json.JSONDecodeError, match="deeper than 32"):
        parse_json_body(nested(100_000))


def test_a_number_too_long_for_any_field_becomes_no_integer():
    assert parse_json_body('{"n": 1000000000000}') == {"n": 10**12}
    assert parse_json_body('{"n": ' + "9" * 19 + "}") == {"n": int("9" * 19)}
    assert parse_json_body('{"n": ' + "9" * 5000 + "}") == {"n": float("inf")}


@pytest.mark.parametrize(
    ("header", "expected"),
    [("Application/JSON", "application/json"), ("application/json; charset=utf-8", "application/json"), ("", "")],
)
def test_the_media_type_ignores_case_and_parameters(header, expected):
    assert media_type({"content-TYPE": header} if header else {}) == expected
