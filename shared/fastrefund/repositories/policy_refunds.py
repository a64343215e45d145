"""The usage reconciliation's read: a merchant's refunds auto-approved under its own policy in a stretch of a day,
by the usage counter that counted them, from the workbench index (which projects the counter for this)."""

from datetime import datetime
from typing import Any

from fastrefund.domain.clock import to_storage
from fastrefund.repositories import dynamo
from fastrefund.repositories.refund_items import AFTER_EVERY_REFUND_OF, WORKBENCH_INDEX, workbench_partitions


class PolicyRefundsRepository:
    def __init__(self, refunds_table: str) -> None:
        self.table_name = refunds_table

    def auto_refunded_by_policy(self, merchant_id: str, first: datetime, last: datetime) -> dict[int, tuple[int, int]]:
        """The amount and the number of the merchant's refunds auto-approved under its own policy and
        decided between `first` and `last` (inclusive), by the usage counter that counted them: what each of
        the day's counters must hold for that stretch."""
        by_counter: dict[int, tuple[int, int]] = {}
        for partition in workbench_partitions(merchant_id):
            query: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": WORKBENCH_INDEX,
                "KeyConditionExpression": "workbench_key = :partition AND workbench_at BETWEEN :first AND :last",
                "FilterExpression": "attribute_exists(policy_counter)",  # only a merchant-route refund has one
                "ProjectionExpression": "amount_fen, policy_counter",
                "ExpressionAttributeValues": dynamo.values(
                    partition=partition, first=to_storage(first), last=to_storage(last) + AFTER_EVERY_REFUND_OF
                ),
            }
            while True:
                with dynamo.translate_transient_errors():
                    response = dynamo.client().query(**query)
                for item in map(dynamo.decode, response["Items"]):
                    amount_fen, count = by_counter.get(item["policy_counter"], (0, 0))
                    by_counter[item["policy_counter"]] = (amount_fen + item["amount_fen"], count + 1)
                if "LastEvaluatedKey" not in response:
                    break
                query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return by_counter
