"""The transactions that move a request and its order together, each item carrying what its failed condition means.

Every write that changes what an order allows (a new request, an approval, a rejection, a withdrawal) is one
transaction over the request and the order, conditioned on the order being as the decision read it: a
shipment, a close or another decision in between cancels it, and the cancellation's reasons, paired with the
items in the order the transaction listed them, say which race was lost.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from fastrefund.domain.clock import to_storage
from fastrefund.domain.errors import (
    BuyerFlagChanged,
    BuyerUsageChanged,
    OrderChanged,
    RaceLost,
    RefundExists,
    RequestChanged,
    TemporarilyUnavailable,
    WriteConflict,
)
from fastrefund.domain.models.buyer import BuyerFlag, BuyerUsage
from fastrefund.domain.models.order import Order, OrderStatus
from fastrefund.domain.models.refund import Refund, RefundStatus
from fastrefund.platform import aws_clients
from fastrefund.repositories import buyers, dynamo, keys
from fastrefund.repositories.refund_items import to_item


class TransactionParts:
    """The items of the refunds' transactions, over the refunds table and the orders table."""

    def __init__(self, refunds_table: str, orders_table: str, buyers_table: str) -> None:
        self.refunds_table = refunds_table
        self.orders_table = orders_table
        self.buyers_table = buyers_table

    def transact(self, parts: list["TransactionPart"]) -> None:
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

    def hold_the_order(self, refund: Refund, order: Order, new_status: OrderStatus | None) -> "TransactionPart":
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
        return self.update_order(refund, update)

    def update_order(self, refund: Refund, update: dict[str, Any]) -> "TransactionPart":
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

    def add_refund(self, refund: Refund) -> "TransactionPart":
        put = {
            "TableName": self.refunds_table,
            "Item": dynamo.encode(to_item(refund)),
            "ConditionExpression": "attribute_not_exists(refund_id)",
        }
        return TransactionPart({"Put": put}, lambda _: RefundExists(refund.order_id))

    def count_for_buyer(self, counted: BuyerUsage) -> "TransactionPart":
        """Store the buyer's usage counting the new refund, if it is still at the version the decision read
        (one before `counted`'s): so no two of a buyer's refunds are counted against the same room. The record
        holds a count a China day (BuyerUsage): a few KB at most, however many refunds the buyer has."""
        read = counted.version - 1
        put = {
            "TableName": self.buyers_table,
            "Item": dynamo.encode(dynamo.item_of(counted) | {"record": buyers.USAGE}),
            "ConditionExpression": "attribute_not_exists(buyer_id)" if read == 0 else "version = :read",
        }
        if read:
            put["ExpressionAttributeValues"] = dynamo.values(read=read)
        return TransactionPart({"Put": put}, lambda _: BuyerUsageChanged(counted.buyer_id))

    def flag_as_read(self, buyer_id: str, flag: BuyerFlag | None) -> "TransactionPart":
        """The buyer's risk flag still as the decision read it (none, or the same word): a flag recorded
        between the read and the commit cancels the commit, so whichever is recorded first wins."""
        check: dict[str, Any] = {"TableName": self.buyers_table, "Key": buyers.key(buyer_id, buyers.FLAG)}
        if flag is None:
            check["ConditionExpression"] = "attribute_not_exists(buyer_id)"
        else:
            check["ConditionExpression"] = "#at = :at"
            check["ExpressionAttributeNames"] = {"#at": "at"}
            check["ExpressionAttributeValues"] = dynamo.values(at=to_storage(flag.at))
        return TransactionPart({"ConditionCheck": check}, lambda _: BuyerFlagChanged(buyer_id))

    def replace_request(self, refund: Refund, was: RefundStatus) -> "TransactionPart":
        put = {
            "TableName": self.refunds_table,
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
PRECEDENCE = (RefundExists, RequestChanged, OrderChanged, BuyerFlagChanged, BuyerUsageChanged)


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
