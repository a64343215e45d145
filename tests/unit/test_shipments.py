"""Recording a shipment, with the store in memory: which answer comes first when several apply."""

from datetime import timedelta

import pytest

from devtools.factories import PAID_AT, order
from fastrefund.domain.errors import OrderAlreadyShipped, OrderClosed, OrderNotFound, OrderRefunded
from fastrefund.domain.models.order import OrderStatus, Shipment
from fastrefund.logic.shipments import record_shipment
from tests.unit.fakes import InMemoryStore

PARCEL = Shipment(carrier="SF", tracking_number="SF1", shipped_at=PAID_AT + timedelta(hours=2))


def store_with(**changes) -> InMemoryStore:
    store = InMemoryStore()
    store.orders.add_paid(order(**changes))
    return store


def test_a_paid_order_is_shipped():
    store = store_with()

    shipped = record_shipment("o-1", PARCEL, store, merchant_id="m-1")

    assert shipped.status is OrderStatus.SHIPPED
    assert store.orders.get("o-1").shipment == PARCEL


def test_an_unknown_order_is_not_found():
    with pytest.raises(OrderNotFound):
        record_shipment("o-unknown", PARCEL, InMemoryStore(), merchant_id="m-1")


def test_another_merchants_order_does_not_exist_for_it_whatever_its_state():
    # Refunded, closed or shipped: another merchant learns nothing, not even that the order exists
    for status in (OrderStatus.REFUNDED, OrderStatus.CLOSED, OrderStatus.SHIPPED, OrderStatus.PAID):
        with pytest.raises(OrderNotFound):
            record_shipment("o-1", PARCEL, store_with(status=status, refund_id="r-1"), merchant_id="m-2")


def test_a_refunded_order_is_refused_with_its_refund():
    with pytest.raises(OrderRefunded) as refused:
        record_shipment("o-1", PARCEL, store_with(status=OrderStatus.REFUNDED, refund_id="r-1"), merchant_id="m-1")

    assert refused.value.refund_id == "r-1"


def test_a_closed_order_is_refused():
    with pytest.raises(OrderClosed):
        record_shipment("o-1", PARCEL, store_with(status=OrderStatus.CLOSED), merchant_id="m-1")


def test_the_same_parcel_again_is_a_success_and_another_parcel_a_conflict():
    store = store_with()
    record_shipment("o-1", PARCEL, store, merchant_id="m-1")

    again = record_shipment("o-1", PARCEL.model_copy(update={"shipped_at": PAID_AT}), store, merchant_id="m-1")

    assert again.shipment == PARCEL
    with pytest.raises(OrderAlreadyShipped):
        record_shipment("o-1", PARCEL.model_copy(update={"tracking_number": "SF2"}), store, merchant_id="m-1")


def test_ops_and_the_order_system_ship_any_merchants_order():
    shipped = record_shipment("o-1", PARCEL, store_with(merchant_id="m-9"), merchant_id=None)

    assert shipped.status is OrderStatus.SHIPPED
