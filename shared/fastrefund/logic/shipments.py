"""Recording a shipment: whichever of the shipment and the auto-refund is recorded first wins."""

from datetime import datetime

from pydantic import AwareDatetime, Field

from fastrefund.domain.clock import Instant, to_api
from fastrefund.domain.errors import OrderAlreadyShipped, OrderClosed, OrderNotFound, OrderRefunded
from fastrefund.domain.identity import Caller
from fastrefund.domain.models.common import Frozen
from fastrefund.domain.models.order import Carrier, Order, OrderStatus, Shipment, TrackingNumber
from fastrefund.logic.ports import Store
from fastrefund.platform.observability import logger


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
        raise OrderNotFound(order_id)  # another merchant's order does not exist for this caller
    if order.status is OrderStatus.REFUNDED:
        if order.refund_id is not None:  # counted in the merchant's statement: a shipment stopped
            parcel = f"{shipment.carrier}:{shipment.tracking_number}"
            store.refunds.note_stopped_shipment(order_id, order.refund_id, parcel, shipment.shipped_at)
        raise OrderRefunded(order_id, order.refund_id)
    if order.status is OrderStatus.CLOSED:
        raise OrderClosed(order_id)
    if order.shipment is not None and _same_parcel(order.shipment, shipment):
        return order
    raise OrderAlreadyShipped(order_id)


def _same_parcel(recorded: Shipment, asked: Shipment) -> bool:
    return (recorded.carrier, recorded.tracking_number) == (asked.carrier, asked.tracking_number)


class ShipmentRequest(Frozen):
    carrier: Carrier
    tracking_number: TrackingNumber
    shipped_at: Instant | None = Field(default=None, description="defaults to now")


class ShipmentView(Frozen):
    order_id: str
    status: OrderStatus
    carrier: str
    tracking_number: str
    shipped_at: AwareDatetime

    @classmethod
    def of(cls, order: Order) -> "ShipmentView":
        assert order.shipment is not None  # only shipped orders are shown as shipments
        shipment = order.shipment
        return cls(
            order_id=order.order_id,
            status=order.status,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            shipped_at=to_api(shipment.shipped_at),
        )


def ship_order(order_id: str, request: ShipmentRequest, caller: Caller, store: Store, now: datetime) -> ShipmentView:
    """The merchant's "ship" click: one conditional write, refused if the order was refunded first."""
    merchant_id = caller.acting_merchant()
    shipment = Shipment(
        carrier=request.carrier, tracking_number=request.tracking_number, shipped_at=request.shipped_at or now
    )
    return ShipmentView.of(record_shipment(order_id, shipment, store, merchant_id))
