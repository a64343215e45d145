"""Recording a shipment: whichever of the shipment and the auto-refund is recorded first wins."""

from fastrefund.domain import Order, OrderStatus, Shipment
from fastrefund.errors import Forbidden, OrderAlreadyShipped, OrderClosed, OrderNotFound, OrderRefunded
from fastrefund.observability import logger
from fastrefund.repositories.store import Store


def record_shipment(order_id: str, shipment: Shipment, store: Store, merchant_id: str | None = None) -> Order:
    """Ship the order in one conditional write; repeating the same shipment is a success.

    `merchant_id`, when given, is the caller's: another merchant's order is refused.
    """
    order, shipped = store.orders.ship(order_id, shipment, merchant_id)
    if order is None:
        raise OrderNotFound(order_id)
    if shipped:
        logger.info("shipment recorded", extra={"order_id": order_id, "carrier": shipment.carrier})
        return order
    if merchant_id is not None and order.merchant_id != merchant_id:
        raise Forbidden("the order belongs to another merchant", order_id=order_id)
    if order.status is OrderStatus.REFUNDED:
        raise OrderRefunded(order_id, order.refund_id)
    if order.status is OrderStatus.CLOSED:
        raise OrderClosed(order_id)
    if order.shipment is not None and _same_parcel(order.shipment, shipment):
        return order
    raise OrderAlreadyShipped(order_id)


def _same_parcel(recorded: Shipment, asked: Shipment) -> bool:
    return (recorded.carrier, recorded.tracking_number) == (asked.carrier, asked.tracking_number)
