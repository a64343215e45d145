"""The outbox's marks: what a request owes (a notice, a payout instruction) until its message is confirmed published.

A request that owes a message carries an owed mark for it: `<outbox>_owed` (a shard, so that no index
partition runs hot) and `<outbox>_owed_since` ("<when it became owed> <message id>"), the keys of the sparse
index the reconciliation reads (NoticesOwed, PayoutsOwed). The mark is written with the change that makes the
message owed, so a crash after the commit leaves it in place; a publisher drops it once the message is out.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from fastrefund.domain.clock import to_storage
from fastrefund.domain.models.refund import Refund
from fastrefund.domain.notices import NOTICES, OUTBOXES, PAYOUTS, Outbox
from fastrefund.repositories import dynamo, keys

# A sale day's 5,000 refunds a second set and drop 10,000 marks a second in each index: 32 partitions take them
# with room (bench/capacity_model.py). The reconciliation reads them 8 at a time.
OWED_SHARDS = 32
SHARDS_READ_AT_ONCE = 8
BATCH_GET_SIZE = 100  # the most keys BatchGetItem takes
OWED_INDEXES = {NOTICES.name: "NoticesOwed", PAYOUTS.name: "PayoutsOwed"}


def mark_attributes(outbox: Outbox) -> tuple[str, str]:
    """The attributes of an outbox's owed mark: its shard (the index's key) and since when (its sort key)."""
    return f"{outbox.name}_owed", f"{outbox.name}_owed_since"


def _mark_names(outbox: Outbox) -> dict[str, str]:
    shard, since = mark_attributes(outbox)
    return {"#shard": shard, "#since": since}


def owed_marks(refund: Refund) -> dynamo.Item:
    """The owed marks of the messages the request's state owes (none once confirmed: see confirm_published)."""
    marks: dynamo.Item = {}
    shard = dynamo.shard_of(refund.refund_id, OWED_SHARDS)
    for outbox in OUTBOXES:
        message_id = outbox.owed_id(refund)
        if message_id is not None:
            shard_attribute, since_attribute = mark_attributes(outbox)
            marks[shard_attribute] = shard
            marks[since_attribute] = f"{to_storage(outbox.owed_since(refund))} {message_id}"
    return marks


class OwedMessagesRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def owed_since_before(self, outbox: Outbox, cutoff: datetime, limit: int) -> list[Refund]:
        """The requests owing a message of `outbox` since before `cutoff` and not confirmed published, oldest
        first in each shard (at most `limit` per shard), each read now: the index lags, so a request whose
        mark was dropped meanwhile is left out."""

        def read_shard(shard: int) -> list[dict[str, Any]]:
            with dynamo.translate_transient_errors():
                response = dynamo.client().query(
                    TableName=self.table_name,
                    IndexName=OWED_INDEXES[outbox.name],
                    KeyConditionExpression="#shard = :shard AND #since < :cutoff",
                    ExpressionAttributeNames=_mark_names(outbox),
                    ExpressionAttributeValues=dynamo.values(shard=str(shard), cutoff=to_storage(cutoff)),
                    ProjectionExpression="order_id, refund_id",
                    Limit=limit,
                )
            return [keys.refund(item["order_id"], item["refund_id"]) for item in map(dynamo.decode, response["Items"])]

        with ThreadPoolExecutor(SHARDS_READ_AT_ONCE) as pool:
            found = [key for shard_keys in pool.map(read_shard, range(OWED_SHARDS)) for key in shard_keys]
        _, since = mark_attributes(outbox)
        owing = []
        for start in range(0, len(found), BATCH_GET_SIZE):
            request = {"Keys": found[start : start + BATCH_GET_SIZE], "ConsistentRead": True}
            items = dynamo.batch_get({self.table_name: request}).get(self.table_name, [])
            owing += [dynamo.model_of(Refund, item) for item in items if since in item]
        return owing

    def confirm_published(self, outbox: Outbox, refund: Refund) -> bool:
        """Drop the owed mark of the message `refund` (a state of the request) owes, once published; False
        when the request no longer carries that mark (confirmed already, or it owes another message now)."""
        mark = owed_marks(refund).get(mark_attributes(outbox)[1])
        if mark is None:
            return False
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.refund(refund.order_id, refund.refund_id),
                    UpdateExpression="REMOVE #shard, #since",
                    ConditionExpression="#since = :mark",
                    ExpressionAttributeNames=_mark_names(outbox),
                    ExpressionAttributeValues=dynamo.values(mark=mark),
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                return False
            raise
        return True
