"""Orders as the platform records them: paid, shipped, refunded or closed.

The order system's queue is unordered: a shipment or closure can arrive before the order's payment. It is
kept on the order's own item, which has no payment facts yet (an order awaiting its payment, invisible to
every reader), and the ORDER_PAID that comes later completes that item without reopening it. One item, so
each event is one conditional write and no interleaving of the two can lose either. An item awaiting its payment
expires (the table's TTL) AWAITING_PAYMENT_KEPT after it was last told something: a payment that never comes
leaves nothing behind for ever.
"""

from datetime import datetime, timedelta

from botocore.exceptions import ClientError

from fastrefund.domain.clock import to_storage, utc_now
from fastrefund.domain.models.order import Order, OrderState, OrderStatus, Shipment
from fastrefund.repositories import dynamo, keys


def to_item(order: Order) -> dynamo.Item:
    return dynamo.item_of(order)


# Longer than any message of the order events queue can wait, its dead-letter queue's 14 days included
AWAITING_PAYMENT_KEPT = timedelta(days=30)

# What a shipment or closure told before the payment left on the item: the payment keeps it.
_KEPT_FROM_BEFORE_PAYMENT = ("status", "shipment", "closed_at")


def from_item(item: dynamo.Item) -> Order | None:
    """The stored order; None for an item that still awaits its payment (it is no order yet)."""
    return dynamo.model_of(Order, item) if "paid_at" in item else None


class OrdersRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def get(self, order_id: str) -> Order | None:
        with dynamo.translate_transient_errors():
            response = dynamo.client().get_item(
                TableName=self.table_name, Key=keys.order(order_id), ConsistentRead=True
            )
        return from_item(dynamo.decode(response["Item"])) if "Item" in response else None

    def add_paid(self, order: Order) -> Order | None:
        """Store a newly paid order, completing a shipment or closure told before it (which stays): the
        order as stored. None when the order was paid already (a duplicate or late event)."""
        paid = {name: value for name, value in to_item(order).items() if name != "order_id" and value is not None}
        assignments = (
            f"#{name} = if_not_exists(#{name}, :{name})" if name in _KEPT_FROM_BEFORE_PAYMENT else f"#{name} = :{name}"
            for name in paid
        )
        try:
            with dynamo.translate_transient_errors():
                response = dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.order(order.order_id),
                    UpdateExpression="SET " + ", ".join(assignments) + " REMOVE expires_at",
                    ConditionExpression="attribute_not_exists(paid_at)",
                    ExpressionAttributeNames={f"#{name}": name for name in paid},
                    ExpressionAttributeValues=dynamo.values(**paid),
                    ReturnValues="ALL_NEW",
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                return None
            raise
        return from_item(dynamo.decode(response["Attributes"]))

    def ship_before_payment(self, order_id: str, shipment: Shipment) -> bool:
        """Keep a shipment told before the order's payment (a closure kept first stays); False when the
        order is paid by now, so that the caller ships it as any paid order."""
        return self._before_payment(
            order_id,
            "SET #status = if_not_exists(#status, :status), shipment = if_not_exists(shipment, :shipment)",
            status=OrderStatus.SHIPPED.value,
            shipment=dynamo.item_of(shipment),
        )

    def close_before_payment(self, order_id: str, closed_at: datetime) -> bool:
        """Keep a closure told before the order's payment; False when the order is paid by now."""
        return self._before_payment(
            order_id,
            "SET #status = :status, closed_at = if_not_exists(closed_at, :closed_at)",
            status=OrderStatus.CLOSED.value,
            closed_at=to_storage(closed_at),
        )

    def _before_payment(self, order_id: str, update: str, **updated: object) -> bool:
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.order(order_id),
                    UpdateExpression=f"{update}, expires_at = :expires_at",
                    ConditionExpression="attribute_not_exists(paid_at)",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=dynamo.values(
                        **updated, expires_at=int((utc_now() + AWAITING_PAYMENT_KEPT).timestamp())
                    ),
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                return False
            raise
        return True

    def close(self, order_id: str, closed_at: datetime) -> tuple[Order | None, bool]:
        """Close a paid or shipped order. A refunded order stays REFUNDED: its refund blocks shipping."""
        return self._transition(
            order_id,
            "SET #status = :new_status, closed_at = :closed_at",
            from_statuses=(OrderStatus.PAID, OrderStatus.SHIPPED),
            new_status=OrderStatus.CLOSED.value,
            closed_at=to_storage(closed_at),
        )

    def ship(self, order_id: str, shipment: Shipment, merchant_id: str | None) -> tuple[Order | None, bool]:
        """Record the shipment of a not-yet-shipped order (of that merchant, when given) in one write."""
        return self._transition(
            order_id,
            "SET #status = :new_status, shipment = :shipment",
            from_statuses=(OrderStatus.PAID,),
            merchant_id=merchant_id,
            new_status=OrderStatus.SHIPPED.value,
            shipment=dynamo.item_of(shipment),
        )

    def _transition(
        self,
        order_id: str,
        update: str,
        from_statuses: tuple[OrderStatus, ...],
        merchant_id: str | None = None,
        **updated: object,
    ) -> tuple[Order | None, bool]:
        """Apply `update` only if the order is in one of `from_statuses` (and of that merchant, if given).

        Returns the order as it now stands (None when unknown or awaiting its payment) and whether this call
        changed it; when it did not, the returned order shows why, read atomically from the failed condition.
        """
        allowed = {f"from{i}": status.value for i, status in enumerate(from_statuses)}
        condition = f"attribute_exists(paid_at) AND #status IN ({', '.join(':' + name for name in allowed)})"
        if merchant_id is not None:
            condition += " AND merchant_id = :merchant_id"
            allowed["merchant_id"] = merchant_id
        try:
            with dynamo.translate_transient_errors():
                response = dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.order(order_id),
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=dynamo.values(**allowed, **updated),
                    ReturnValues="ALL_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if not dynamo.condition_failed(exc):
                raise
            current = exc.response.get("Item")
            return (from_item(dynamo.decode(current)) if current else None), False
        return from_item(dynamo.decode(response["Attributes"])), True

    def states(self, order_ids: list[str]) -> dict[str, OrderState]:
        """Owner, status and refund of up to 100 orders, in one batched read; unknown ids are absent."""
        wanted = [keys.order(order_id) for order_id in dict.fromkeys(order_ids)]
        request = {
            "Keys": wanted,
            "ConsistentRead": True,
            "ProjectionExpression": "order_id, merchant_id, #status, refund_id",
            "ExpressionAttributeNames": {"#status": "status"},
        }
        found = dynamo.batch_get({self.table_name: request}).get(self.table_name, [])
        return {item["order_id"]: OrderState.model_validate(item) for item in found if "merchant_id" in item}
