"""Refund records, and the one transaction that auto-refunds an order.

The transaction moves the order from PAID to REFUNDED, creates the refund (one per order) and, for
the merchant-policy route, checks and adds to the day's policy usage and checks the policy is the one the
decision read: all or none.
"""

from datetime import date, timedelta
from typing import Any

from botocore.exceptions import ClientError

from fastrefund.domain.clock import from_storage, start_of_china_day, to_storage
from fastrefund.domain.errors import (
    DailyLimitReached,
    OrderChanged,
    PolicyChanged,
    RefundExists,
    TemporarilyUnavailable,
    WriteConflict,
)
from fastrefund.domain.models import AutoRefundPolicy, MerchantSettings, Order, OrderStatus, Refund
from fastrefund.repositories import dynamo, orders
from fastrefund.repositories.merchants import SETTINGS

USAGE_KEPT_DAYS = 3  # a day's usage counter expires (TTL) this many days after the day ends


def to_item(refund: Refund) -> dynamo.Item:
    item = refund.model_dump(mode="json")
    item |= {"requested_at": to_storage(refund.requested_at), "decided_at": to_storage(refund.decided_at)}
    return item


def from_item(item: dynamo.Item) -> Refund:
    return Refund.model_validate(
        item | {"requested_at": from_storage(item["requested_at"]), "decided_at": from_storage(item["decided_at"])}
    )


class RefundsRepository:
    def __init__(self, table_name: str, orders_table: str, usage_table: str, merchants_table: str) -> None:
        self.table_name = table_name
        self.orders_table = orders_table
        self.usage_table = usage_table
        self.merchants_table = merchants_table

    def order_and_refund(self, order_id: str) -> tuple[Order | None, Refund | None]:
        """The order and its refund request, if any, in one round trip."""
        key = {"Keys": [dynamo.encode({"order_id": order_id})], "ConsistentRead": True}
        found = dynamo.batch_get({self.orders_table: key, self.table_name: key})
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
            if dynamo.error_code(exc) == "ConditionalCheckFailedException":
                raise RefundExists(refund.order_id) from exc
            raise

    def commit_auto_refund(self, refund: Refund, merchant: MerchantSettings | None, day: date) -> None:
        """Refund the order, all or nothing. `merchant` (the settings the decision read) is given for
        the merchant-policy route only: the policy must still be the one read, and its daily limits
        are checked and counted, in the same transaction.

        Raises RefundExists, OrderChanged, DailyLimitReached, PolicyChanged or WriteConflict when cancelled.
        """
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.orders_table,
                    "Key": dynamo.encode({"order_id": refund.order_id}),
                    "UpdateExpression": "SET #status = :refunded, refund_id = :refund_id",
                    "ConditionExpression": "#status = :paid",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": dynamo.values(
                        refunded=OrderStatus.REFUNDED.value, refund_id=refund.refund_id, paid=OrderStatus.PAID.value
                    ),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {"Put": self._new_refund(refund)},
        ]
        if merchant is not None and merchant.auto_refund_policy is not None:
            items.append({"Update": self._count_usage(refund, merchant.auto_refund_policy, day)})
            items.append({"ConditionCheck": self._policy_unchanged(merchant)})
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().transact_write_items(TransactItems=items)
        except ClientError as exc:
            cause = (
                self._why_cancelled(refund, exc) if dynamo.error_code(exc) == "TransactionCanceledException" else None
            )
            if cause is None:
                raise
            raise cause from exc

    def _new_refund(self, refund: Refund) -> dict[str, Any]:
        return {
            "TableName": self.table_name,
            "Item": dynamo.encode(to_item(refund)),
            "ConditionExpression": "attribute_not_exists(order_id)",
        }

    def _count_usage(self, refund: Refund, policy: AutoRefundPolicy, day: date) -> dict[str, Any]:
        # The limits are checked against the stored total, not the one read before deciding: under any
        # concurrency the day's total never passes the limit.
        conditions = ["(attribute_not_exists(amount_fen) OR amount_fen <= :room_fen)"]
        limits: dict[str, Any] = {"room_fen": (policy.daily_limit_amount_fen or 0) - refund.amount_fen}
        if policy.daily_limit_count is not None:
            conditions.append("(attribute_not_exists(refund_count) OR refund_count < :max_count)")
            limits["max_count"] = policy.daily_limit_count
        expires = start_of_china_day(day) + timedelta(days=1 + USAGE_KEPT_DAYS)
        return {
            "TableName": self.usage_table,
            "Key": dynamo.encode({"merchant_id": refund.merchant_id, "day": day.isoformat()}),
            "UpdateExpression": (
                "SET amount_fen = if_not_exists(amount_fen, :zero) + :amount,"
                " refund_count = if_not_exists(refund_count, :zero) + :one, expires_at = :expires_at"
            ),
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeValues": dynamo.values(
                zero=0, one=1, amount=refund.amount_fen, expires_at=int(expires.timestamp()), **limits
            ),
        }

    def _policy_unchanged(self, merchant: MerchantSettings) -> dict[str, Any]:
        # A merchant who switches the policy off is obeyed at once, even by a decision already made.
        check: dict[str, Any] = {
            "TableName": self.merchants_table,
            "Key": dynamo.encode({"merchant_id": merchant.merchant_id, "record": SETTINGS}),
            "ConditionExpression": "attribute_not_exists(policy_updated_at)",
        }
        if merchant.policy_updated_at is not None:
            check["ConditionExpression"] = "policy_updated_at = :seen"
            check["ExpressionAttributeValues"] = dynamo.values(seen=to_storage(merchant.policy_updated_at))
        return check

    def _why_cancelled(self, refund: Refund, exc: ClientError) -> Exception | None:
        """Read the cancellation reasons, item by item in the order the transaction listed them."""
        reasons = exc.response.get("CancellationReasons", [])
        codes = [reason.get("Code", "None") for reason in reasons]
        if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            return RefundExists(refund.order_id)
        if codes and codes[0] == "ConditionalCheckFailed":
            current = reasons[0].get("Item")
            status = dynamo.decode(current)["status"] if current else "MISSING"
            return OrderChanged(refund.order_id, status)
        if len(codes) > 2 and codes[2] == "ConditionalCheckFailed":
            return DailyLimitReached(refund.merchant_id)
        if len(codes) > 3 and codes[3] == "ConditionalCheckFailed":
            return PolicyChanged(refund.merchant_id)
        if "TransactionConflict" in codes:
            return WriteConflict("the order is being changed by another request")
        if any(code in ("ThrottlingError", "ProvisionedThroughputExceeded") for code in codes):
            return TemporarilyUnavailable("the data store is busy; retry shortly")
        return None


def from_stream_image(image: dict[str, Any]) -> Refund:
    """A refund as the table's stream shows it (NewImage, in DynamoDB's typed JSON)."""
    return from_item(dynamo.decode(image))
