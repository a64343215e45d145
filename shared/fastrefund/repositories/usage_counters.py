"""The merchant policy's daily usage counters: their items, keys and reads, shared by reservations and reconciliation.

A merchant's China day has one or more counters (the policy's `usage_counters`), each its own partition. Each
holds what is reserved or committed on it (`amount_fen`, `refund_count`) and its room (`room_fen`,
`room_count`): what it may still take, dealt from the limit minus the day's usage (domain.reservations.Rooms).
Each reservation is also counted in its time bucket (`r_<start>` and `n_<start>`, top-level attributes:
DynamoDB cannot create a map and update inside it in one expression), the bucket's start joins the set
`buckets`, and the counter carries `to_reconcile` (a shard, the key of the sparse index UsageToReconcile).
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from fastrefund.domain.clock import start_of_china_day
from fastrefund.domain.models.merchant import MAX_USAGE_COUNTERS, AutoRefundPolicy, PolicyUsage
from fastrefund.domain.reservations import bucket_of
from fastrefund.repositories import dynamo, keys

USAGE_KEPT_DAYS = 3  # a day's counter expires (TTL) this many days after the day ends
TO_RECONCILE_INDEX = "UsageToReconcile"
TO_RECONCILE_SHARDS = 8


def usage_of(day: date, counters: Iterable[dynamo.Item]) -> PolicyUsage:
    """The day's usage: what its counters hold together."""
    counters = list(counters)
    return PolicyUsage(
        day=day,
        amount_fen=sum(item.get("amount_fen", 0) for item in counters),
        count=sum(item.get("refund_count", 0) for item in counters),
    )


def by_number(counters: Iterable[dynamo.Item]) -> dict[int, dynamo.Item]:
    """Counters read, by their number."""
    return {keys.usage_counter_of(item["merchant_id"])[1]: item for item in counters}


def counters_in_use(counters: dict[int, dynamo.Item]) -> int:
    """How many counters the day has, as its counter 0 records it (more than the policy's own number on a day
    the number was lowered: the others still hold usage)."""
    return int(counters.get(0, {}).get("counters", 1))


def the_only_counter(policy: AutoRefundPolicy, counter_0: dynamo.Item) -> bool:
    """Whether the day keeps its usage on counter 0 alone, so that this counter's usage is the day's."""
    return policy.usage_counters == 1 and counters_in_use({0: counter_0}) == 1


def expiry(day: date) -> int:
    return int((start_of_china_day(day) + timedelta(days=1 + USAGE_KEPT_DAYS)).timestamp())


def policy_version_updates(table_name: str, merchant_id: str, day: date, policy_version: str) -> list[dict[str, Any]]:
    """The transaction parts that make a day's counters work under a new policy version: every counter the
    day may have loses its room (a reservation decided under the older version is refused: PolicyChanged),
    and the rooms are dealt again under the new one by the next reservation (or `open_day`)."""
    return [
        {
            "Update": {
                "TableName": table_name,
                "Key": keys.usage(merchant_id, day, counter),
                "UpdateExpression": (
                    "SET policy_version = :version, expires_at = :expires_at"
                    " REMOVE rooms_for, room_fen, room_count ADD revision :one"
                ),
                "ExpressionAttributeValues": dynamo.values(version=policy_version, expires_at=expiry(day), one=1),
            }
        }
        for counter in range(MAX_USAGE_COUNTERS)
    ]


def read_counters(table_name: str, merchant_id: str, day: date, numbers: Iterable[int]) -> dict[int, dynamo.Item]:
    """Counters of a merchant's day, by number (those never written are missing)."""
    request = {"Keys": [keys.usage(merchant_id, day, counter) for counter in numbers], "ConsistentRead": True}
    if not request["Keys"]:
        return {}
    found = dynamo.batch_get({table_name: request})
    return by_number(found.get(table_name, []))


def rest_of_day(
    table_name: str, merchant_id: str, day: date, read: dict[int, dynamo.Item], numbers_read: int, policy_counters: int
) -> dict[int, dynamo.Item]:
    """The day's counters, given the first `numbers_read` of them `read`: the others are the policy's
    number, or more on a day it was lowered (counter 0 records how many the day has had)."""
    in_use = max(policy_counters, counters_in_use(read))
    return read | read_counters(table_name, merchant_id, day, range(numbers_read, in_use))


# Counting a refund on a counter: its usage, and the day's index entry for the reconciliation.
COUNT_REFUND = (
    "amount_fen = if_not_exists(amount_fen, :zero) + :amount, refund_count = if_not_exists(refund_count, :zero) + :one,"
    " to_reconcile = :shard"
)


def bucket_additions(at: datetime) -> str:
    bucket = bucket_of(at)
    return f"r_{bucket} :amount, n_{bucket} :one, buckets :bucket"


def refund_values(merchant_id: str, amount_fen: int, at: datetime) -> dict[str, Any]:
    return dynamo.values(
        zero=0,
        one=1,
        amount=amount_fen,
        shard=dynamo.shard_of(merchant_id, TO_RECONCILE_SHARDS),
        bucket={bucket_of(at)},
    )
