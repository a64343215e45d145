"""The order system's messages (docs/contract.md, "Events in"), and what each one does to the stored order."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field, StrictBool, TypeAdapter, ValidationError

from fastrefund.domain.clock import Instant
from fastrefund.domain.errors import ContradictoryEvent, OrderAlreadyShipped, OrderClosed, OrderNotFound, OrderRefunded
from fastrefund.domain.models.buyer import BuyerFlag
from fastrefund.domain.models.common import CategoryPath, Frozen, Identifier
from fastrefund.domain.models.order import Carrier, Order, PaidOrderFields, Shipment, TrackingNumber
from fastrefund.logic.ports import Store
from fastrefund.logic.shipments import record_shipment
from fastrefund.platform.observability import logger, metrics


class PaidOrder(PaidOrderFields):
    """The order of an ORDER_PAID event (the field names the order system sends)."""

    fast_refund_badge: StrictBool = Field(description="whether the product showed the badge when ordered")
    # kept with the order for the merchant's policy rules; not compared with a repeated ORDER_PAID (not a payment fact)
    category_path: CategoryPath | None = None


class OrderPaidEvent(Frozen):
    type: Literal["ORDER_PAID"]
    order: PaidOrder


class OrderShippedEvent(Frozen):
    type: Literal["ORDER_SHIPPED"]
    order_id: Identifier
    carrier: Carrier
    tracking_number: TrackingNumber
    shipped_at: Instant


class OrderClosedEvent(Frozen):
    type: Literal["ORDER_CLOSED"]
    order_id: Identifier
    closed_at: Instant


class BuyerRiskFlaggedEvent(Frozen):
    """The platform's risk system flags a buyer: their requests go to review (BUYER_FLAGGED) until it expires
    or is cleared."""

    type: Literal["BUYER_RISK_FLAGGED"]
    buyer_id: Identifier
    reason_code: Annotated[str, Field(min_length=1, max_length=64)]
    flagged_at: Instant
    expires_at: Instant | None = None


class BuyerRiskClearedEvent(Frozen):
    type: Literal["BUYER_RISK_CLEARED"]
    buyer_id: Identifier
    cleared_at: Instant


AnyOrderEvent = OrderPaidEvent | OrderShippedEvent | OrderClosedEvent | BuyerRiskFlaggedEvent | BuyerRiskClearedEvent
_event_adapter: TypeAdapter[AnyOrderEvent] = TypeAdapter(Annotated[AnyOrderEvent, Field(discriminator="type")])


class SnsEnvelope(BaseModel):
    """What SNS delivers to a queue when raw delivery is off: the event is the text of `Message`."""

    Type: Literal["Notification"]
    Message: str


def parse(body: str) -> AnyOrderEvent:
    """A message body as an event, the event itself or inside an SNS envelope; malformed JSON or fields
    raise pydantic's ValidationError."""
    try:
        envelope = SnsEnvelope.model_validate_json(body)
    except ValidationError:
        return _event_adapter.validate_json(body)
    return _event_adapter.validate_json(envelope.Message)


EnrolledAt = Callable[[str, datetime], bool]  # whether a merchant was enrolled at an instant


def apply(event: AnyOrderEvent, store: Store, enrolled_at: EnrolledAt | None = None) -> None:
    """Apply one event, in whatever order the events come; safe to repeat. A shipment or closure that
    comes before its ORDER_PAID is kept and the payment completes the order as shipped or closed: under
    a backlog the payment can be minutes late, and a refund meanwhile must not see an unshipped order.

    `enrolled_at` reads whether a merchant was enrolled at an instant (the store's by default). A batch's
    consumer passes one that reads each once for the batch: every order in it was paid before the batch was
    received, so a change recorded after that read cannot concern any of them."""
    match event:
        case OrderPaidEvent(order=paid):
            _store_paid_order(paid, store, enrolled_at or store.merchants.enrolled_at)
        case OrderShippedEvent():
            _ship(event, store)
        case OrderClosedEvent():
            _close(event, store)
        case BuyerRiskFlaggedEvent():
            flag = BuyerFlag(
                buyer_id=event.buyer_id,
                flagged=True,
                at=event.flagged_at,
                reason_code=event.reason_code,
                expires_at=event.expires_at,
            )
            _record_flag(flag, store)
        case BuyerRiskClearedEvent():
            _record_flag(BuyerFlag(buyer_id=event.buyer_id, flagged=False, at=event.cleared_at), store)


def _record_flag(flag: BuyerFlag, store: Store) -> None:
    """The risk system's word on a buyer, if later than the one stored: a duplicate or an older word arriving
    late changes nothing, so the latest by its own time wins whatever the order of delivery."""
    recorded = store.buyers.record_flag(flag)
    extra = {"buyer_id": flag.buyer_id, "flagged": flag.flagged, "at": flag.at, "recorded": recorded}
    logger.info("buyer risk flag applied" if recorded else "buyer risk flag older than the stored one", extra=extra)


def _close(event: OrderClosedEvent, store: Store) -> None:
    order, closed = store.orders.close(event.order_id, event.closed_at)
    if order is None:
        if store.orders.close_before_payment(event.order_id, event.closed_at):
            _kept_before_payment(event)
            return
        order, closed = store.orders.close(event.order_id, event.closed_at)  # paid in between
        if order is None:
            raise OrderNotFound(event.order_id)
    logger.info("order close applied", extra={"order_id": event.order_id, "status": order.status, "changed": closed})


def _kept_before_payment(event: OrderShippedEvent | OrderClosedEvent) -> None:
    metrics.add_metric(name="OrderEventsBeforePayment", unit=MetricUnit.Count, value=1)
    logger.info("order event kept for its payment", extra={"order_id": event.order_id, "type": event.type})


def _store_paid_order(paid: PaidOrder, store: Store, enrolled_at: EnrolledAt) -> None:
    enrolled = enrolled_at(paid.merchant_id, paid.paid_at)
    order = Order(
        **paid.model_dump(exclude={"fast_refund_badge"}), badge_at_payment=paid.fast_refund_badge and enrolled
    )
    stored_now = store.orders.add_paid(order)
    if stored_now is not None:
        logger.info(
            "paid order stored",
            extra={"order_id": order.order_id, "badge_at_payment": order.badge_at_payment, "status": stored_now.status},
        )
        return
    stored = store.orders.get(order.order_id)
    told = {name: getattr(paid, name) for name in PaidOrderFields.model_fields}
    differing = sorted(name for name, value in told.items() if stored is not None and getattr(stored, name) != value)
    if differing:
        # The same order paid twice with different facts: the order system is wrong somewhere. The stored
        # order stands; the message fails, so that after its retries it waits in the dead-letter queue.
        metrics.add_metric(name="ContradictoryOrderEvents", unit=MetricUnit.Count, value=1)
        logger.error("ORDER_PAID contradicts the stored order", extra={"order_id": order.order_id, "fields": differing})
        raise ContradictoryEvent(order.order_id, differing)
    logger.info("paid order already stored", extra={"order_id": order.order_id})


def _ship(event: OrderShippedEvent, store: Store) -> None:
    shipment = Shipment(carrier=event.carrier, tracking_number=event.tracking_number, shipped_at=event.shipped_at)
    try:
        try:
            record_shipment(event.order_id, shipment, store)
        except OrderNotFound:
            if store.orders.ship_before_payment(event.order_id, shipment):
                _kept_before_payment(event)
                return
            record_shipment(event.order_id, shipment, store)  # paid in between
    except (OrderRefunded, OrderClosed, OrderAlreadyShipped) as refused:
        # Delivering the event again cannot change the answer, so it is not a failed record; the
        # merchant was already told of the refund, and the warning lets operators follow it up.
        logger.warning("shipment event refused", extra={"order_id": event.order_id, "reason": type(refused).__name__})
        metrics.add_metric(name="ShipmentEventsRefused", unit=MetricUnit.Count, value=1)
