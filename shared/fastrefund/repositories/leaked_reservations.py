"""Reconciling the daily usage: taking back reservations that no committed refund followed.

Once no request of a reservation bucket can still commit, the reconciliation (logic.usage_reconciliation)
compares the bucket with the refunds committed on that counter in it and takes back the difference
(domain.reservations); a counter with no bucket left open leaves the UsageToReconcile index.
"""

from datetime import date

from botocore.exceptions import ClientError

from fastrefund.domain.reservations import Bucket
from fastrefund.repositories import dynamo, keys, usage_counters


class LeakedReservationsRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def counters_to_reconcile(self) -> list[tuple[str, date, int]]:
        """(merchant_id, day, counter) of every counter with buckets not reconciled yet."""
        found = []
        for shard in range(usage_counters.TO_RECONCILE_SHARDS):
            query = {
                "TableName": self.table_name,
                "IndexName": usage_counters.TO_RECONCILE_INDEX,
                "KeyConditionExpression": "to_reconcile = :shard",
                "ExpressionAttributeValues": dynamo.values(shard=str(shard)),
            }
            while True:
                with dynamo.translate_transient_errors():
                    response = dynamo.client().query(**query)
                for item in map(dynamo.decode, response["Items"]):
                    merchant_id, counter = keys.usage_counter_of(item["merchant_id"])
                    found.append((merchant_id, date.fromisoformat(item["day"]), counter))
                if "LastEvaluatedKey" not in response:
                    break
                query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found

    def open_buckets(self, merchant_id: str, day: date, counters: list[int]) -> list[Bucket]:
        """The open buckets of these counters of a merchant's day, read together."""
        return [
            Bucket(merchant_id, day, counter, start, item.get(f"r_{start}", 0), item.get(f"n_{start}", 0))
            for counter, item in usage_counters.read_counters(self.table_name, merchant_id, day, counters).items()
            for start in sorted(item.get("buckets", []))
        ]

    def close_bucket(self, bucket: Bucket, leaked_amount_fen: int, leaked_count: int) -> bool:
        """Take the bucket's leaked reservations back from the counter (giving their room back) and forget the
        bucket, if it still holds what was read; False otherwise (a late release: the next run looks again)."""
        start = bucket.start
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.usage(bucket.merchant_id, bucket.day, bucket.counter),
                    UpdateExpression=(
                        "ADD amount_fen :minus, refund_count :minus_count, room_fen :leaked, room_count :leaked_count,"
                        f" revision :one DELETE buckets :bucket REMOVE r_{start}, n_{start}"
                    ),
                    ConditionExpression=f"r_{start} = :reserved AND n_{start} = :count",
                    ExpressionAttributeValues=dynamo.values(
                        minus=-leaked_amount_fen,
                        minus_count=-leaked_count,
                        leaked=leaked_amount_fen,
                        leaked_count=leaked_count,
                        one=1,
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

    def done_reconciling(self, merchant_id: str, day: date, counter: int) -> bool:
        """Take the counter out of the reconciliation's index, if no bucket is left open on it."""
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.usage(merchant_id, day, counter),
                    UpdateExpression="REMOVE to_reconcile",
                    ConditionExpression="attribute_not_exists(buckets)",
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                return False
            raise
        return True
