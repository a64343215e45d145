"""The order system's events in any order: a shipment or closure told before the order's payment is kept on an
order that no reader sees yet, and the payment completes it without reopening it."""

from datetime import timedelta

from devtools.factories import order
from fastrefund.domain.clock import utc_now
from fastrefund.domain.models.order import OrderStatus, Shipment
from fastrefund.logic.ports import Store

NOW = utc_now()
PARCEL = Shipment(carrier="SF", tracking_number="SF1", shipped_at=NOW)
OTHER_PARCEL = Shipment(carrier="YTO", tracking_number="YT2", shipped_at=NOW)


def test_a_shipment_kept_before_payment_is_invisible_until_the_payment_completes_it(store: Store):
    assert store.orders.ship_before_payment("o-1", PARCEL)

    assert store.orders.get("o-1") is None
    assert store.orders.states(["o-1"]) == {}
    assert store.orders.ship("o-1", PARCEL, "m-1") == (None, False)  # the merchant's click finds no order yet
    stored = store.orders.add_paid(order(paid_at=NOW - timedelta(minutes=1)))

    assert stored is not None and stored.status is OrderStatus.SHIPPED and stored.shipment == PARCEL
    assert store.orders.get("o-1") == stored


def test_the_first_shipment_kept_stays_and_a_closure_wins(store: Store):
    assert store.orders.ship_before_payment("o-1", PARCEL)
    assert store.orders.ship_before_payment("o-1", OTHER_PARCEL)
    assert store.orders.close_before_payment("o-1", NOW)
    assert store.orders.ship_before_payment("o-1", PARCEL)

    stored = store.orders.add_paid(order(paid_at=NOW - timedelta(minutes=1)))

    assert stored is not None
    assert (stored.status, stored.shipment, stored.closed_at) == (OrderStatus.CLOSED, PARCEL, NOW)


def test_nothing_is_kept_before_payment_on_a_paid_order(store: Store):
    store.orders.add_paid(order(paid_at=NOW - timedelta(minutes=1)))

    assert not store.orders.ship_before_payment("o-1", PARCEL)
    assert not store.orders.close_before_payment("o-1", NOW)
    assert store.orders.add_paid(order(paid_at=NOW - timedelta(minutes=1))) is None  # paid once
    assert store.orders.get("o-1").status is OrderStatus.PAID
