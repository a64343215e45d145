"""An order, as the order system tells of it and as the service stores it."""

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StrictBool

from fastrefund.domain.clock import Instant
from fastrefund.domain.models.common import CategoryPath, Fen, Frozen, Identifier, ProductType

Carrier = Annotated[str, Field(min_length=1, max_length=32)]


TrackingNumber = Annotated[str, Field(min_length=1, max_length=64)]


class OrderStatus(StrEnum):
    PAID = "PAID"  # paid and not shipped, as the platform records it
    SHIPPED = "SHIPPED"
    REFUNDED = "REFUNDED"
    CLOSED = "CLOSED"


class Shipment(Frozen):
    carrier: Carrier
    tracking_number: TrackingNumber
    shipped_at: Instant


class PaidOrderFields(Frozen):
    """What the order system tells of a paid order, and what the stored order keeps of it."""

    order_id: Identifier
    merchant_id: Identifier
    buyer_id: Identifier
    product_id: Identifier
    product_type: ProductType
    paid_amount_fen: Fen
    paid_at: Instant


class Order(PaidOrderFields):
    """An order as the service stores it."""

    category_path: CategoryPath | None = Field(default=None, description="the product's category, if the order has one")
    badge_at_payment: StrictBool = Field(
        description="the badge snapshot: the product showed the badge AND the merchant was enrolled at paid_at"
    )
    status: OrderStatus = OrderStatus.PAID
    shipment: Shipment | None = None
    refund_id: str | None = None  # the open or approved refund request, if any
    refund_requests: Annotated[int, Field(ge=0)] = 0  # how many were made, all outcomes
    closed_at: Instant | None = None


class OrderState(Frozen):
    """The few fields of an order that a pre-shipment check needs."""

    order_id: str
    merchant_id: str
    status: OrderStatus
    refund_id: str | None = None
