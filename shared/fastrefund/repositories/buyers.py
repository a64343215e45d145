"""Buyers' counted automatic refunds (BuyersTable: buyer_id + record), read before a decision and written in
the refund's own transaction (refund_transactions.count_for_buyer), conditioned on the version read: one item
per buyer, so that no buyer's count shares an item with another's."""

from typing import Any

from fastrefund.domain.models.buyer import BuyerUsage
from fastrefund.repositories import dynamo

USAGE = "USAGE"


def key(buyer_id: str) -> dict[str, Any]:
    return dynamo.encode({"buyer_id": buyer_id, "record": USAGE})


class BuyersRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def usage(self, buyer_id: str) -> BuyerUsage:
        with dynamo.translate_transient_errors():
            response = dynamo.client().get_item(TableName=self.table_name, Key=key(buyer_id), ConsistentRead=True)
        if "Item" not in response:
            return BuyerUsage(buyer_id=buyer_id)
        return dynamo.model_of(BuyerUsage, dynamo.decode(response["Item"]))
