"""The refunds table's stream, decoded: what a record says changed."""

from typing import Any

from fastrefund.domain.models.refund import Refund
from fastrefund.repositories import dynamo
from fastrefund.repositories.refund_items import from_item


def from_stream_image(image: dict[str, Any]) -> Refund:
    """A refund as the table's stream shows it (an image, in DynamoDB's typed JSON)."""
    return from_item(dynamo.decode(image))


def change_of(stream_record: dict[str, Any]) -> tuple[Refund | None, Refund]:
    """A stream record's change: the request before (None when new) and after."""
    before = stream_record.get("OldImage")
    return (from_stream_image(before) if before else None), from_stream_image(stream_record["NewImage"])
