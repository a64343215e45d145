"""Orders as the platform records them: paid, shipped, refunded or closed."""

from datetime import datetime

from botocore.exceptions import ClientError

from fastrefund.domain.clock import to_storage
from fastrefund.domain.models.order import Order, OrderState, OrderStatus, Shipment
from fastrefund.repositories import dynamo, keys


def to_item(order: Order) -> dynamo.Item:
    return dynamo.item_of(order)


def from_item(item: dynamo.Item) -> Order:
    return dynamo.model_of(Order, item)


class OrdersRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def get(self, order_id: str) -> Order | None:
        with dynamo.translate_transient_errors():
            response = dynamo.client().get_item(
                TableName=self.table_name, Key=keys.order(order_id), ConsistentRead=True
            )
        return from_item(dynamo.decode(response["Item"])) if "Item" in response else None

    def add_paid(self, order: Order) -> bool:
        """Store a newly paid order; False when it was already stored (a duplicate or late event)."""
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().put_item(
                    TableName=self.table_name,
                    Item=dynamo.encode(to_item(order)),
                    ConditionExpression="attribute_not_exists(order_id)",
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

        Returns the order as it now stands (None when unknown) and whether this call changed it; when
        it did not, the returned order shows why, read atomically from the failed condition.
        """
        allowed = {f"from{i}": status.value for i, status in enumerate(from_statuses)}
        condition = f"attribute_exists(order_id) AND #status IN ({', '.join(':' + name for name in allowed)})"
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
        return {item["order_id"]: OrderState.model_validate(item) for item in found}
