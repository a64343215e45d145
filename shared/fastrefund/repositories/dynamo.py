"""DynamoDB for the repositories: the client, the item codec and the translation of throttling into a domain error."""

import contextlib
import time
import zlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel

from fastrefund.domain.errors import TemporarilyUnavailable
from fastrefund.platform import aws_clients

Item = dict[str, Any]
Model = TypeVar("Model", bound=BaseModel)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

# Errors after which the same call can succeed; any of them leaves no partial state behind.
_TRANSIENT = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
}


def client() -> Any:
    return aws_clients.client("dynamodb")


def encode(item: Item) -> dict[str, Any]:
    return {key: typed(value) for key, value in item.items() if value is not None}


def typed(value: Any) -> dict[str, Any]:
    """A value in DynamoDB's typed JSON, exactly as boto3's TypeSerializer writes it. Items are made of JSON
    values (item_of), which are written here directly: TypeSerializer's generic type tests took a refund's
    write about 50 µs of CPU. Anything else (a Decimal, a set, a float to refuse) goes to TypeSerializer."""
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):  # before int: a bool is an int to Python
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, dict):
        return {"M": {key: typed(inner) for key, inner in value.items()}}
    if isinstance(value, list):
        return {"L": [typed(inner) for inner in value]}
    return _serializer.serialize(value)  # type: ignore[no-any-return]


def decode(item: dict[str, Any]) -> Item:
    return {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}


def item_of(model: BaseModel) -> Item:
    """A stored model as an item: its JSON form (instants in their storage text, see clock.Instant)."""
    return model.model_dump(mode="json")


def model_of(model_type: type[Model], item: Item) -> Model:
    """A stored model from its item; attributes the model does not name (sort keys, bookkeeping) are left out."""
    return model_type.model_validate({name: item[name] for name in model_type.model_fields if name in item})


def values(**named: Any) -> dict[str, Any]:
    """ExpressionAttributeValues from keyword arguments: values(status="PAID") -> {":status": ...}."""
    return {f":{name}": typed(value) for name, value in named.items()}


@contextlib.contextmanager
def translate_transient_errors() -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        if aws_clients.error_code(exc) in _TRANSIENT:
            raise TemporarilyUnavailable("the data store is busy; retry shortly") from exc
        raise


def shard_of(key: str, shards: int) -> str:
    """A stable shard ("0" to shards-1) for a sparse index's partition key, so that no index partition
    runs hot: the same key always lands in the same shard, whatever process computes it."""
    return str(zlib.crc32(key.encode()) % shards)


def condition_failed(exc: ClientError) -> bool:
    """Whether a write was refused because its condition did not hold (the item is not as expected)."""
    return aws_clients.error_code(exc) == "ConditionalCheckFailedException"


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; this service stores only whole numbers (fen, counts)."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list | set):
        return [_plain(inner) for inner in value]
    return value


def batch_get(requests: dict[str, Any], attempts: int = 5) -> dict[str, list[Item]]:
    """BatchGetItem that also fetches the keys DynamoDB left unprocessed; decoded items by table."""
    found: dict[str, list[Item]] = {}
    for attempt in range(attempts):
        if attempt:
            time.sleep(0.05 * 2**attempt)  # back off before asking again for what was left
        with translate_transient_errors():
            response = client().batch_get_item(RequestItems=requests)
        for table, items in response.get("Responses", {}).items():
            found.setdefault(table, []).extend(decode(item) for item in items)
        requests = response.get("UnprocessedKeys") or {}
        if not requests:
            return found
    raise TemporarilyUnavailable("the data store is busy; retry shortly")
