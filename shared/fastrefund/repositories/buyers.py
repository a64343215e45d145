"""What the service keeps of each buyer (BuyersTable: buyer_id + record), one partition per buyer:

- USAGE: the counted automatic refunds, for the rules' buyer limits, read before a decision and written in the
  refund's own transaction (refund_transactions.count_for_buyer), conditioned on the version read;
- FLAG: the risk system's latest word (flagged or cleared, by its own time), which an automatic refund's
  transaction checks is still as the decision read it (refund_transactions.flag_as_read).

A refund request reads both with its order, in one BatchGetItem (the caller is the buyer: its id is known before
the order is read); other readers in one query (the buyer's partition)."""

from typing import Any

from botocore.exceptions import ClientError

from fastrefund.domain.clock import to_storage
from fastrefund.domain.models.buyer import BuyerFlag, BuyerStanding, BuyerUsage
from fastrefund.repositories import dynamo

USAGE = "USAGE"
FLAG = "FLAG"


def key(buyer_id: str, record: str) -> dict[str, Any]:
    return dynamo.encode({"buyer_id": buyer_id, "record": record})


def standing_of(buyer_id: str, items: list[dynamo.Item]) -> BuyerStanding:
    """The buyer's standing from its stored records (decoded), whichever of them exist."""
    records = {item["record"]: item for item in items}
    usage = dynamo.model_of(BuyerUsage, records[USAGE]) if USAGE in records else BuyerUsage(buyer_id=buyer_id)
    flag = dynamo.model_of(BuyerFlag, records[FLAG]) if FLAG in records else None
    return BuyerStanding(usage=usage, flag=flag)


def flag_item(flag: BuyerFlag) -> dynamo.Item:
    return dynamo.item_of(flag) | {"record": FLAG, "at": to_storage(flag.at)}


class BuyersRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def standing(self, buyer_id: str) -> BuyerStanding:
        with dynamo.translate_transient_errors():
            response = dynamo.client().query(
                TableName=self.table_name,
                KeyConditionExpression="buyer_id = :buyer_id",
                ExpressionAttributeValues=dynamo.values(buyer_id=buyer_id),
                ConsistentRead=True,
            )
        return standing_of(buyer_id, [dynamo.decode(item) for item in response["Items"]])

    def record_flag(self, flag: BuyerFlag) -> bool:
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().put_item(
                    TableName=self.table_name,
                    Item=dynamo.encode(flag_item(flag)),
                    ConditionExpression="attribute_not_exists(buyer_id) OR #at < :at",
                    ExpressionAttributeNames={"#at": "at"},
                    ExpressionAttributeValues=dynamo.values(at=to_storage(flag.at)),
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                return False
            raise
        return True
