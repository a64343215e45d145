"""The merchant policy's daily usage: one counter per merchant and China day, reserved before a refund commits.

The counter (`amount_fen`, `refund_count`) holds what is reserved or committed. A merchant-route refund
reserves its amount with one conditional single-item update (the limit checked against the stored total,
the policy version against the one the decision read), then commits order and request in a transaction
that does not touch the counter, and releases the reservation when that transaction is cancelled. No
transaction ever touches the counter while refunds are being approved, so a busy merchant's refunds never
cancel one another (TransactionConflict): the item takes them one after the other, ~1,000 a second.

A process that dies between its reservation and its commit leaves the counter too high, never too low:
the limit still holds. To find such leaks, each reservation is also counted in its time bucket
(`r_<start>` and `n_<start>`, top-level attributes: DynamoDB cannot create a map and update inside it in
one expression), the bucket's start joins the set `buckets`, and the counter carries `to_reconcile` (a
shard, the key of the sparse index the reconciliation reads). Once no request of a bucket can still
commit, the reconciliation compares the bucket with the refunds committed in it and takes back the
difference (logic.usage_reconciliation, domain.reservations).
"""

from datetime import date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from fastrefund.domain.clock import start_of_china_day
from fastrefund.domain.errors import DailyLimitReached, PolicyChanged, TemporarilyUnavailable, WriteConflict
from fastrefund.domain.models import PolicyUsage
from fastrefund.domain.reservations import Bucket, bucket_of
from fastrefund.domain.rules import DailyRoom
from fastrefund.repositories import dynamo, keys
from fastrefund.runtime import aws_clients
from fastrefund.runtime.observability import logger

USAGE_KEPT_DAYS = 3  # a day's counter expires (TTL) this many days after the day ends
TO_RECONCILE_INDEX = "UsageToReconcile"
TO_RECONCILE_SHARDS = 8


def usage_from_item(day: date, item: dynamo.Item | None) -> PolicyUsage:
    if not item:
        return PolicyUsage(day=day)
    return PolicyUsage(day=day, amount_fen=item.get("amount_fen", 0), count=item.get("refund_count", 0))


def expiry(day: date) -> int:
    return int((start_of_china_day(day) + timedelta(days=1 + USAGE_KEPT_DAYS)).timestamp())


def policy_version_update(table_name: str, merchant_id: str, day: date, policy_version: str) -> dict[str, Any]:
    """The transaction part that makes a day's counter work under a new policy version: a reservation
    decided under an older one is then refused (PolicyChanged)."""
    return {
        "Update": {
            "TableName": table_name,
            "Key": keys.usage(merchant_id, day),
            "UpdateExpression": "SET policy_version = :version, expires_at = :expires_at",
            "ExpressionAttributeValues": dynamo.values(version=policy_version, expires_at=expiry(day)),
        }
    }


class DailyUsageRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def get(self, merchant_id: str, day: date) -> PolicyUsage:
        with dynamo.translate_transient_errors():
            response = dynamo.client().get_item(
                TableName=self.table_name, Key=keys.usage(merchant_id, day), ConsistentRead=True
            )
        return usage_from_item(day, dynamo.decode(response["Item"]) if "Item" in response else None)

    def reserve(
        self, merchant_id: str, day: date, policy_version: str, room: DailyRoom, amount_fen: int, at: datetime
    ) -> PolicyUsage:
        """Count one refund of `amount_fen` in the day's usage if the stored usage leaves `room` for it and
        the counter works under `policy_version`; the usage before it.

        Raises DailyLimitReached (with the stored usage) or PolicyChanged, counting nothing.
        """
        conditions = ["(attribute_not_exists(policy_version) OR policy_version = :version)"]
        limits = {}
        if room.amount_fen is not None:
            # A day with no usage yet has room for any refund the limit itself admits.
            fresh_day = "attribute_not_exists(amount_fen) OR " if room.amount_fen >= 0 else ""
            conditions.append(f"({fresh_day}amount_fen <= :room_fen)")
            limits["room_fen"] = room.amount_fen
        if room.count is not None:
            conditions.append("(attribute_not_exists(refund_count) OR refund_count <= :room_count)")
            limits["room_count"] = room.count
        bucket = bucket_of(at)
        shard = dynamo.shard_of(merchant_id, TO_RECONCILE_SHARDS)
        try:
            with dynamo.translate_transient_errors():
                response = dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.usage(merchant_id, day),
                    UpdateExpression=(
                        "SET amount_fen = if_not_exists(amount_fen, :zero) + :amount,"
                        " refund_count = if_not_exists(refund_count, :zero) + :one,"
                        " policy_version = :version, expires_at = :expires_at, to_reconcile = :shard"
                        f" ADD r_{bucket} :amount, n_{bucket} :one, buckets :bucket"
                    ),
                    ConditionExpression=" AND ".join(conditions),
                    ExpressionAttributeValues=dynamo.values(
                        zero=0,
                        one=1,
                        amount=amount_fen,
                        version=policy_version,
                        expires_at=expiry(day),
                        shard=shard,
                        bucket={bucket},
                        **limits,
                    ),
                    ReturnValues="UPDATED_OLD",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if aws_clients.error_code(exc) == "TransactionConflictException":  # a policy change in progress
                raise WriteConflict("the merchant's settings are being changed") from exc
            if not dynamo.condition_failed(exc):
                raise
            stored = dynamo.decode(exc.response.get("Item", {}))
            if stored.get("policy_version", policy_version) != policy_version:
                raise PolicyChanged(merchant_id) from exc
            raise DailyLimitReached(merchant_id, usage_from_item(day, stored)) from exc
        return usage_from_item(day, dynamo.decode(response.get("Attributes", {})))

    def release(self, merchant_id: str, day: date, amount_fen: int, at: datetime) -> bool:
        """Take back the reservation made at `at` for a refund that was not committed (its transaction was
        cancelled). False when it was not taken back here: its bucket was reconciled already (which took it
        back then), or the write failed (the reconciliation will take it back)."""
        bucket = bucket_of(at)
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.usage(merchant_id, day),
                    UpdateExpression=(
                        f"ADD amount_fen :minus, refund_count :minus_one, r_{bucket} :minus, n_{bucket} :minus_one"
                    ),
                    ConditionExpression=f"attribute_exists(r_{bucket})",
                    ExpressionAttributeValues=dynamo.values(minus=-amount_fen, minus_one=-1),
                )
        except (ClientError, TemporarilyUnavailable) as exc:
            logger.warning("reservation not released here", extra={"merchant_id": merchant_id, "why": str(exc)})
            return False
        return True

    # ------------------------------------------------------------------ reconciliation

    def counters_to_reconcile(self) -> list[tuple[str, date]]:
        """(merchant_id, day) of every counter with buckets not reconciled yet."""
        found = []
        for shard in range(TO_RECONCILE_SHARDS):
            query = {
                "TableName": self.table_name,
                "IndexName": TO_RECONCILE_INDEX,
                "KeyConditionExpression": "to_reconcile = :shard",
                "ExpressionAttributeValues": dynamo.values(shard=str(shard)),
            }
            while True:
                with dynamo.translate_transient_errors():
                    response = dynamo.client().query(**query)
                found += [
                    (item["merchant_id"], date.fromisoformat(item["day"]))
                    for item in map(dynamo.decode, response["Items"])
                ]
                if "LastEvaluatedKey" not in response:
                    break
                query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found

    def open_buckets(self, merchant_id: str, day: date) -> list[Bucket]:
        with dynamo.translate_transient_errors():
            response = dynamo.client().get_item(
                TableName=self.table_name, Key=keys.usage(merchant_id, day), ConsistentRead=True
            )
        item = dynamo.decode(response.get("Item", {}))
        return [
            Bucket(merchant_id, day, start, item.get(f"r_{start}", 0), item.get(f"n_{start}", 0))
            for start in sorted(item.get("buckets", []))
        ]

    def close_bucket(self, bucket: Bucket, leaked_amount_fen: int, leaked_count: int) -> bool:
        """Take the bucket's leaked reservations back from the day's usage and forget the bucket, if it
        still holds what was read; False otherwise (a late release: the next run looks again)."""
        start = bucket.start
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.usage(bucket.merchant_id, bucket.day),
                    UpdateExpression=(
                        "ADD amount_fen :minus, refund_count :minus_count DELETE buckets :bucket"
                        f" REMOVE r_{start}, n_{start}"
                    ),
                    ConditionExpression=f"r_{start} = :reserved AND n_{start} = :count",
                    ExpressionAttributeValues=dynamo.values(
                        minus=-leaked_amount_fen,
                        minus_count=-leaked_count,
                        bucket={start},
                        reserved=bucket.amount_fen,
                        count=bucket.count,
                    ),
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                return False
            raise
        return True

    def done_reconciling(self, merchant_id: str, day: date) -> bool:
        """Take the counter out of the reconciliation's index, if no bucket is left open on it."""
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.usage(merchant_id, day),
                    UpdateExpression="REMOVE to_reconcile",
                    ConditionExpression="attribute_not_exists(buckets)",
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                return False
            raise
        return True
