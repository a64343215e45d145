"""Refund records, and the one transaction that auto-refunds an order.

The transaction moves the order from PAID to REFUNDED, creates the refund (one per order) and, for
the merchant-policy route, checks and adds to the day's policy usage and checks the policy is the one the
decision read: all or none.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from botocore.exceptions import ClientError

from fastrefund.domain.clock import start_of_china_day, to_storage
from fastrefund.domain.errors import (
    DailyLimitReached,
    OrderChanged,
    PolicyChanged,
    RaceLost,
    RefundExists,
    TemporarilyUnavailable,
    WriteConflict,
)
from fastrefund.domain.models import AutoRefundPolicy, MerchantSettings, Order, OrderStatus, Refund
from fastrefund.domain.rules import DailyRoom
from fastrefund.repositories import dynamo, keys, orders
from fastrefund.runtime import aws_clients

USAGE_KEPT_DAYS = 3  # a day's usage counter expires (TTL) this many days after the day ends


def to_item(refund: Refund) -> dynamo.Item:
    return dynamo.item_of(refund)


def from_item(item: dynamo.Item) -> Refund:
    return dynamo.model_of(Refund, item)


class RefundsRepository:
    def __init__(self, table_name: str, orders_table: str, usage_table: str, merchants_table: str) -> None:
        self.table_name = table_name
        self.orders_table = orders_table
        self.usage_table = usage_table
        self.merchants_table = merchants_table

    def order_and_refund(self, order_id: str) -> tuple[Order | None, Refund | None]:
        """The order and its refund request, if any, in one round trip."""
        found = dynamo.batch_get(
            {
                self.orders_table: {"Keys": [keys.order(order_id)], "ConsistentRead": True},
                self.table_name: {"Keys": [keys.refund(order_id)], "ConsistentRead": True},
            }
        )
        order_items, refund_items = found.get(self.orders_table), found.get(self.table_name)
        return (
            orders.from_item(order_items[0]) if order_items else None,
            from_item(refund_items[0]) if refund_items else None,
        )

    def add_for_review(self, refund: Refund) -> None:
        """Store a refund handed to the merchant's review; RefundExists if the order already has one."""
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().put_item(**self._new_refund(refund))
        except ClientError as exc:
            if aws_clients.error_code(exc) == "ConditionalCheckFailedException":
                raise RefundExists(refund.order_id) from exc
            raise

    def commit_auto_refund(self, refund: Refund, merchant: MerchantSettings | None, day: date) -> None:
        """Refund the order, all or nothing. `merchant` (the settings the decision read) is given for
        the merchant-policy route only: the policy must still be the one read, and its daily limits
        are checked and counted, in the same transaction.

        Raises a RaceLost (RefundExists, OrderChanged, DailyLimitReached, PolicyChanged, WriteConflict)
        when cancelled.
        """
        parts = [self._refund_the_order(refund), self._add_refund(refund)]
        if merchant is not None and merchant.auto_refund_policy is not None:
            parts += [self._count_usage(refund, merchant.auto_refund_policy, day), self._policy_unchanged(merchant)]
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

    def _refund_the_order(self, refund: Refund) -> "TransactionPart":
        def order_changed(reason: dict[str, Any]) -> RaceLost:
            current = reason.get("Item")  # ReturnValuesOnConditionCheckFailure: the order as it is now
            return OrderChanged(refund.order_id, dynamo.decode(current)["status"] if current else "MISSING")

        update = {
            "TableName": self.orders_table,
            "Key": keys.order(refund.order_id),
            "UpdateExpression": "SET #status = :refunded, refund_id = :refund_id",
            "ConditionExpression": "#status = :paid",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": dynamo.values(
                refunded=OrderStatus.REFUNDED.value, refund_id=refund.refund_id, paid=OrderStatus.PAID.value
            ),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        return TransactionPart({"Update": update}, order_changed)

    def _add_refund(self, refund: Refund) -> "TransactionPart":
        return TransactionPart({"Put": self._new_refund(refund)}, lambda _: RefundExists(refund.order_id))

    def _new_refund(self, refund: Refund) -> dict[str, Any]:
        return {
            "TableName": self.table_name,
            "Item": dynamo.encode(to_item(refund)),
            "ConditionExpression": "attribute_not_exists(order_id)",
        }

    def _count_usage(self, refund: Refund, policy: AutoRefundPolicy, day: date) -> "TransactionPart":
        # The limits are checked against the stored total, not the one read before deciding: under any
        # concurrency the day's total never passes the limit. The room is the rules engine's own.
        room = DailyRoom.of(policy, refund.amount_fen)
        conditions, limits = [], {}
        if room.amount_fen is not None:
            # A day with no usage yet has room for any refund the limit itself admits.
            fresh_day = "attribute_not_exists(amount_fen) OR " if room.amount_fen >= 0 else ""
            conditions.append(f"({fresh_day}amount_fen <= :room_fen)")
            limits["room_fen"] = room.amount_fen
        if room.count is not None:
            conditions.append("(attribute_not_exists(refund_count) OR refund_count <= :room_count)")
            limits["room_count"] = room.count
        expires = start_of_china_day(day) + timedelta(days=1 + USAGE_KEPT_DAYS)
        update = {
            "TableName": self.usage_table,
            "Key": keys.usage(refund.merchant_id, day),
            "UpdateExpression": (
                "SET amount_fen = if_not_exists(amount_fen, :zero) + :amount,"
                " refund_count = if_not_exists(refund_count, :zero) + :one, expires_at = :expires_at"
            ),
            "ExpressionAttributeValues": dynamo.values(
                zero=0, one=1, amount=refund.amount_fen, expires_at=int(expires.timestamp()), **limits
            ),
        }
        if conditions:
            update["ConditionExpression"] = " AND ".join(conditions)
        return TransactionPart({"Update": update}, lambda _: DailyLimitReached(refund.merchant_id))

    def _policy_unchanged(self, merchant: MerchantSettings) -> "TransactionPart":
        # A merchant who switches the policy off is obeyed at once, even by a decision already made.
        check: dict[str, Any] = {
            "TableName": self.merchants_table,
            "Key": keys.merchant(merchant.merchant_id),
            "ConditionExpression": "attribute_not_exists(policy_updated_at)",
        }
        if merchant.policy_updated_at is not None:
            check["ConditionExpression"] = "policy_updated_at = :seen"
            check["ExpressionAttributeValues"] = dynamo.values(seen=to_storage(merchant.policy_updated_at))
        return TransactionPart({"ConditionCheck": check}, lambda _: PolicyChanged(merchant.merchant_id))


@dataclass(frozen=True)
class TransactionPart:
    """One item of a transaction, with what its failed condition means for the refund."""

    action: dict[str, Any]
    refused: Callable[[dict[str, Any]], RaceLost]  # from the item's CancellationReason


# When several conditions fail at once, the answer that tells the caller most comes first: an existing
# request is returned as it stands, whatever became of the order; then the order's own state; then the
# merchant's day and policy, which only send the request to be decided again.
PRECEDENCE = (RefundExists, OrderChanged, DailyLimitReached, PolicyChanged)


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
    """A refund as the table's stream shows it (NewImage, in DynamoDB's typed JSON)."""
    return from_item(dynamo.decode(image))
