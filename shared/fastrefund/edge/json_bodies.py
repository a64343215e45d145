"""The one way a request body is read: JSON only, UTF-8, at most 32 levels deep, numbers of sane size.

The contract (docs/contract.md, "Hostile input"): the media type is matched case-insensitively and may carry parameters
(`application/json; charset=utf-8`); any other media type with a body is 415; a body that is not valid
UTF-8 JSON, or nests deeper than 32 levels, is 422. Nothing a caller sends may end in a 5xx.
"""

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.types import EventHandlerInstance

MAX_DEPTH = 32
# Every amount and count the API takes fits in 13 digits (10^12 fen); a longer number is refused by its
# field's own validation, instead of being turned into an int of any size (Python refuses past 4,300
# digits, DynamoDB past 38).
_MAX_INT_DIGITS = 19


def media_type(headers: dict[str, str]) -> str:
    """The Content-Type's media type, lower case, without its parameters ("" when there is none)."""
    value = next((value for name, value in headers.items() if name.lower() == "content-type"), "")
    return value.split(";", 1)[0].strip().lower()


def parse_json_body(text: str) -> Any:
    """The body as JSON; json.JSONDecodeError (a 422 naming the body) for anything else."""
    try:
        document = json.loads(text, parse_int=_sized_int)
    except RecursionError as exc:
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", text, 0) from exc
    if _depth(document) > MAX_DEPTH:
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", text, 0)
    return document


def _sized_int(digits: str) -> int | float:
    # Infinity is no integer: the field that received it fails its validation, naming itself.
    return int(digits) if len(digits.lstrip("-")) <= _MAX_INT_DIGITS else float("inf")


def _depth(document: Any) -> int:
    deepest, level = 0, [document]
    while level:
        deepest += 1
        level = [
            inner
            for value in level
            if isinstance(value, dict | list)
            for inner in (value.values() if isinstance(value, dict) else value)
            if isinstance(inner, dict | list)
        ]
    return deepest


class JsonBodiesOnly(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, reading bodies as JSON only: its own reading takes forms and
    multipart too, and matches `application/json` case-sensitively, as a prefix."""

    def _get_body(self, app: "EventHandlerInstance") -> dict[str, Any]:
        event = app.current_event
        if event.body and media_type(event.headers) != "application/json":
            raise RequestUnsupportedContentType(
                "Unsupported content type", errors=[{"loc": ("header", "Content-Type"), "msg": "unsupported"}]
            )
        return self._parse_json_data(app)
