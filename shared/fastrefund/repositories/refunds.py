"""Refund requests, and the transactions that move a request and its order together.

Every write that changes what an order allows (a new request, an approval, a rejection, a withdrawal)
is one transaction over the request and the order, conditioned on the order being as the decision read
it: a shipment, a close or another decision in between cancels it, and the logic decides again. The
merchant policy's daily usage is not part of any of them: a merchant-route refund reserves it first, with
a single-item write (repositories.usage), so that no transaction touches the merchant's hot counter.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from fastrefund.domain.clock import to_storage
from fastrefund.domain.errors import (
    OrderChanged,
    RaceLost,
    RefundExists,
    RequestChanged,
    TemporarilyUnavailable,
    WriteConflict,
)
from fastrefund.domain.models.order import Order, OrderStatus
from fastrefund.domain.models.refund import Payout, Refund, RefundStatus
from fastrefund.domain.notices import OUTBOXES, PAYOUTS, Outbox
from fastrefund.platform import aws_clients
from fastrefund.repositories import dynamo, keys, orders

# The sparse index of requests in review, by deadline: only a PENDING_REVIEW item carries `in_review`.
REVIEWS_DUE_INDEX = "ReviewsDue"
IN_REVIEW = "PENDING_REVIEW"
BY_REFUND_ID_INDEX = "ByRefundId"
# A request that owes a message (a notice, a payout instruction) carries an owed mark for it until the
# message is confirmed published: `<outbox>_owed` (a shard, so that no index partition runs hot) and
# `<outbox>_owed_since` ("<when it became owed> <message id>"), the keys of the sparse index
# `<Outbox>sOwed` the reconciliation reads. The mark is written with the change that makes the message
# owed, so a crash after the commit leaves it in place.
OWED_SHARDS = 8


def owed_index(outbox: Outbox) -> str:
    return f"{outbox.name.capitalize()}sOwed"


def owed_marks(refund: Refund) -> dynamo.Item:
    """The owed marks of the messages the request's state owes (none once confirmed: see confirm_published)."""
    marks: dynamo.Item = {}
    shard = dynamo.shard_of(refund.refund_id, OWED_SHARDS)
    for outbox in OUTBOXES:
        message = outbox.owed(refund)
        if message is not None:
            marks[f"{outbox.name}_owed"] = shard
            marks[f"{outbox.name}_owed_since"] = f"{to_storage(outbox.owed_since(refund))} {message.message_id()}"
    return marks


def to_item(refund: Refund) -> dynamo.Item:
    item = dynamo.item_of(refund) | owed_marks(refund)
    if refund.status is RefundStatus.PENDING_REVIEW:
        item["in_review"] = IN_REVIEW
    return item


def from_item(item: dynamo.Item) -> Refund:
    return dynamo.model_of(Refund, item)  # the index attributes (in_review, the owed marks) are left out


class RefundsRepository:
    def __init__(self, table_name: str, orders_table: str) -> None:
        self.table_name = table_name
        self.orders_table = orders_table
        self.orders = orders.OrdersRepository(orders_table)

    # ------------------------------------------------------------------ reads

    def order_and_refund(self, order_id: str) -> tuple[Order | None, Refund | None]:
        """The order and its open or approved request, if any (a second read only when there is one)."""
        order = self.orders.get(order_id)
        if order is None or order.refund_id is None:
            return order, None
        return self.order_and_request(order_id, order.refund_id)

    def order_and_request(self, order_id: str, refund_id: str) -> tuple[Order | None, Refund | None]:
        """The order and one of its requests, in one round trip."""
        found = dynamo.batch_get(
            {
                self.orders_table: {"Keys": [keys.order(order_id)], "ConsistentRead": True},
                self.table_name: {"Keys": [keys.refund(order_id, refund_id)], "ConsistentRead": True},
            }
        )
        order_items, refund_items = found.get(self.orders_table), found.get(self.table_name)
        return (
            orders.from_item(order_items[0]) if order_items else None,
            from_item(refund_items[0]) if refund_items else None,
        )

    def requests_of(self, order_id: str) -> list[Refund]:
        """Every request of the order, newest first (three at most)."""
        with dynamo.translate_transient_errors():
            response = dynamo.client().query(
                TableName=self.table_name,
                KeyConditionExpression="order_id = :order_id",
                ExpressionAttributeValues=dynamo.values(order_id=order_id),
                ConsistentRead=True,
            )
        refunds = [from_item(dynamo.decode(item)) for item in response["Items"]]
        return sorted(refunds, key=lambda refund: refund.requested_at, reverse=True)

    def find(self, refund_id: str) -> Refund | None:
        """A request by its id alone (the payment system's results name only the refund)."""
        with dynamo.translate_transient_errors():
            response = dynamo.client().query(
                TableName=self.table_name,
                IndexName=BY_REFUND_ID_INDEX,
                KeyConditionExpression="refund_id = :refund_id",
                ExpressionAttributeValues=dynamo.values(refund_id=refund_id),
            )
        if not response["Items"]:
            return None
        order_id = dynamo.decode(response["Items"][0])["order_id"]
        return self.order_and_request(order_id, refund_id)[1]

    def due_for_timeout(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(order_id, refund_id) of requests still in review whose deadline has passed, earliest first."""
        with dynamo.translate_transient_errors():
            response = dynamo.client().query(
                TableName=self.table_name,
                IndexName=REVIEWS_DUE_INDEX,
                KeyConditionExpression="in_review = :in_review AND review_deadline <= :now",
                ExpressionAttributeValues=dynamo.values(in_review=IN_REVIEW, now=to_storage(now)),
                Limit=limit,
            )
        return [(item["order_id"], item["refund_id"]) for item in map(dynamo.decode, response["Items"])]

    def owing_since_before(self, outbox: Outbox, cutoff: datetime, limit: int) -> list[tuple[str, str]]:
        """(order_id, refund_id) of requests owing a message of `outbox` since before `cutoff` and not
        confirmed published, oldest first in each shard (at most `limit` per shard)."""
        found = []
        for shard in range(OWED_SHARDS):
            with dynamo.translate_transient_errors():
                response = dynamo.client().query(
                    TableName=self.table_name,
                    IndexName=owed_index(outbox),
                    KeyConditionExpression="#shard = :shard AND #since < :cutoff",
                    ExpressionAttributeNames={"#shard": f"{outbox.name}_owed", "#since": f"{outbox.name}_owed_since"},
                    ExpressionAttributeValues=dynamo.values(shard=str(shard), cutoff=to_storage(cutoff)),
                    Limit=limit,
                )
            found += [(item["order_id"], item["refund_id"]) for item in map(dynamo.decode, response["Items"])]
        return found

    def get(self, order_id: str, refund_id: str) -> Refund | None:
        with dynamo.translate_transient_errors():
            response = dynamo.client().get_item(
                TableName=self.table_name, Key=keys.refund(order_id, refund_id), ConsistentRead=True
            )
        return from_item(dynamo.decode(response["Item"])) if "Item" in response else None

    # ------------------------------------------------------------------ writes

    def add_for_review(self, refund: Refund, order: Order) -> None:
        """Store a request handed to review and make it the order's open request, if the order is still as
        read (`order`): otherwise a RaceLost."""
        self._transact([self._hold_the_order(refund, order, new_status=None), self._add_refund(refund)])

    def commit_auto_refund(self, refund: Refund, order: Order) -> None:
        """Refund the order, if it is still as read (`order`), with the new request, all or nothing.

        Raises a RaceLost (RefundExists, OrderChanged, WriteConflict) when cancelled.
        """
        self._transact([self._hold_the_order(refund, order, new_status=OrderStatus.REFUNDED), self._add_refund(refund)])

    def approve(self, refund: Refund, was: RefundStatus, order: Order) -> None:
        """Store the approved request (it was `was`) and refund its order (still as read), together."""
        order_update = {
            "UpdateExpression": "SET #status = :refunded, refund_id = :refund_id",
            "ConditionExpression": "#status = :seen AND (attribute_not_exists(refund_id) OR refund_id = :refund_id)",
            "ExpressionAttributeValues": dynamo.values(
                refunded=OrderStatus.REFUNDED.value, refund_id=refund.refund_id, seen=order.status.value
            ),
        }
        self._transact([self._replace_request(refund, was), self._update_order(refund, order_update)])

    def end_request(self, refund: Refund, was: RefundStatus, order: Order) -> None:
        """Store the rejected or withdrawn request (it was `was`) and free its order (still as read) for a
        new request, together."""
        order_update = {
            "UpdateExpression": "REMOVE refund_id",
            "ConditionExpression": "#status = :seen AND refund_id = :refund_id",
            "ExpressionAttributeValues": dynamo.values(refund_id=refund.refund_id, seen=order.status.value),
        }
        self._transact([self._replace_request(refund, was), self._update_order(refund, order_update)])

    def save_payout(self, refund: Refund, seen: Payout | None) -> None:
        """Store the request's new payout state, if its payout is still the one read (RequestChanged),
        with its payout's owed mark: set for a new attempt, gone once the payment system has answered."""
        condition, seen_values = "attribute_not_exists(payout)", {}
        if seen is not None:
            condition = "payout.attempts = :attempts AND payout.#payout_status = :payout_status"
            seen_values = {"attempts": seen.attempts, "payout_status": seen.status.value}
        assert refund.payout is not None  # a payout is saved, never removed
        marks = {name: value for name, value in owed_marks(refund).items() if name.startswith(PAYOUTS.name)}
        sets = "".join(f", {name} = :{name}" for name in marks)
        removes = "" if marks else f" REMOVE {PAYOUTS.name}_owed, {PAYOUTS.name}_owed_since"
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.refund(refund.order_id, refund.refund_id),
                    UpdateExpression=f"SET payout = :payout{sets}{removes}",
                    ConditionExpression=condition,
                    **({"ExpressionAttributeNames": {"#payout_status": "status"}} if seen else {}),
                    ExpressionAttributeValues=dynamo.values(
                        payout=dynamo.item_of(refund.payout), **marks, **seen_values
                    ),
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                raise RequestChanged(f"refund {refund.refund_id}'s payout changed") from exc
            raise

    def confirm_published(self, outbox: Outbox, refund: Refund) -> bool:
        """Drop the owed mark of the message `refund` (a state of the request) owes, once published; False
        when the request no longer carries that mark (confirmed already, or it owes another message now)."""
        mark = owed_marks(refund).get(f"{outbox.name}_owed_since")
        if mark is None:
            return False
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.refund(refund.order_id, refund.refund_id),
                    UpdateExpression="REMOVE #shard, #since",
                    ConditionExpression="#since = :mark",
                    ExpressionAttributeNames={"#shard": f"{outbox.name}_owed", "#since": f"{outbox.name}_owed_since"},
                    ExpressionAttributeValues=dynamo.values(mark=mark),
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                return False
            raise
        return True

    # ------------------------------------------------------------------ transaction parts

    def _transact(self, parts: list["TransactionPart"]) -> None:
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().transact_write_items(TransactItems=[part.action for part in parts])
        except ClientError as exc:
            if aws_clients.error_code(exc) != "TransactionCanceledException":
                raise
            cause = _why_cancelled(parts, exc.response.get("CancellationReasons", []))
            if cause is None:
                raise
            raise cause from exc

    def _hold_the_order(self, refund: Refund, order: Order, new_status: OrderStatus | None) -> "TransactionPart":
        """Make the new request the order's open (or, with REFUNDED, approved) request and count it, if the
        order is as read: same status, no open request, no request made since."""
        sets = "SET refund_id = :refund_id, refund_requests = :count"
        named = {"refund_id": refund.refund_id, "count": order.refund_requests + 1, "seen": order.status.value}
        if new_status is not None:
            sets += ", #status = :new_status"
            named["new_status"] = new_status.value
        counted = "refund_requests = :seen_count"
        if order.refund_requests == 0:  # orders stored before requests were counted have no count
            counted = f"(attribute_not_exists(refund_requests) OR {counted})"
        update = {
            "UpdateExpression": sets,
            "ConditionExpression": f"#status = :seen AND attribute_not_exists(refund_id) AND {counted}",
            "ExpressionAttributeValues": dynamo.values(seen_count=order.refund_requests, **named),
        }
        return self._update_order(refund, update)

    def _update_order(self, refund: Refund, update: dict[str, Any]) -> "TransactionPart":
        """`update`, on the refund's order, whose failed condition means another request holds the order
        (RefundExists) or the order changed (OrderChanged)."""

        def order_changed(reason: dict[str, Any]) -> RaceLost:
            current = reason.get("Item")  # ReturnValuesOnConditionCheckFailure: the order as it is now
            if current is None:
                return OrderChanged(refund.order_id, "MISSING")
            stored = dynamo.decode(current)
            if stored.get("refund_id") not in (None, refund.refund_id):
                return RefundExists(refund.order_id)
            return OrderChanged(refund.order_id, stored["status"])

        action = {
            "TableName": self.orders_table,
            "Key": keys.order(refund.order_id),
            "ExpressionAttributeNames": {"#status": "status"},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        } | update
        return TransactionPart({"Update": action}, order_changed)

    def _add_refund(self, refund: Refund) -> "TransactionPart":
        put = {
            "TableName": self.table_name,
            "Item": dynamo.encode(to_item(refund)),
            "ConditionExpression": "attribute_not_exists(refund_id)",
        }
        return TransactionPart({"Put": put}, lambda _: RefundExists(refund.order_id))

    def _replace_request(self, refund: Refund, was: RefundStatus) -> "TransactionPart":
        put = {
            "TableName": self.table_name,
            "Item": dynamo.encode(to_item(refund)),
            "ConditionExpression": "#status = :was",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": dynamo.values(was=was.value),
        }
        return TransactionPart({"Put": put}, lambda _: RequestChanged(f"refund {refund.refund_id} changed"))


@dataclass(frozen=True)
class TransactionPart:
    """One item of a transaction, with what its failed condition means for the refund."""

    action: dict[str, Any]
    refused: Callable[[dict[str, Any]], RaceLost]  # from the item's CancellationReason


# When several conditions fail at once, the answer that tells the caller most comes first: an existing
# request is returned as it stands, whatever became of the order; then the order's own state.
PRECEDENCE = (RefundExists, RequestChanged, OrderChanged)


def _why_cancelled(parts: list[TransactionPart], reasons: list[dict[str, Any]]) -> Exception | None:
    """The cancellation reasons, paired with the parts in the order the transaction listed them."""
    refused = [
        part.refused(reason)
        for part, reason in zip(parts, reasons, strict=False)
        if reason.get("Code") == "ConditionalCheckFailed"
    ]
    if refused:
        return min(refused, key=lambda race: PRECEDENCE.index(type(race)))
    codes = {reason.get("Code") for reason in reasons}
    if "TransactionConflict" in codes:
        return WriteConflict("the order is being changed by another request")
    if codes & {"ThrottlingError", "ProvisionedThroughputExceeded"}:
        return TemporarilyUnavailable("the data store is busy; retry shortly")
    return None


def from_stream_image(image: dict[str, Any]) -> Refund:
    """A refund as the table's stream shows it (an image, in DynamoDB's typed JSON)."""
    return from_item(dynamo.decode(image))


def change_of(stream_record: dict[str, Any]) -> tuple[Refund | None, Refund]:
    """A stream record's change: the request before (None when new) and after."""
    before = stream_record.get("OldImage")
    return (from_stream_image(before) if before else None), from_stream_image(stream_record["NewImage"])
