"""Applying the order system's events to the stored orders, with the store in memory."""

import json
from datetime import datetime

import pytest

from devtools.invoking.sample_events import paid_order_message, shipped_message
from fastrefund.domain.errors import ContradictoryEvent
from fastrefund.domain.models.order import OrderStatus
from fastrefund.logic import order_events
from tests.unit.fakes import InMemoryStore

ENROLLED_SINCE = datetime.fromisoformat("2026-01-01T00:00:00+08:00")
CLOSED = {"type": "ORDER_CLOSED", "order_id": "o-1", "closed_at": "2026-11-27T10:00:00+08:00"}


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


def apply(store: InMemoryStore, *messages: dict) -> None:
    """Each message as the queue delivers it: a JSON body, parsed, then applied."""
    for message in messages:
        order_events.apply(order_events.parse(json.dumps(message)), store)


def test_the_badge_snapshot_needs_the_badge_and_the_merchant_enrolled_at_payment(store):
    store.merchants.set_fast_refund_service("m-1", True, ENROLLED_SINCE)

    apply(store, paid_order_message(), paid_order_message(order_id="o-2", fast_refund_badge=False))

    assert store.orders.get("o-1").badge_at_payment is True
    assert store.orders.get("o-2").badge_at_payment is False  # enrolled, but the product had no badge


def test_a_merchant_enrolled_only_after_payment_gives_no_snapshot(store):
    store.merchants.set_fast_refund_service("m-1", True, datetime.fromisoformat("2026-11-26T10:00:01+08:00"))

    apply(store, paid_order_message())

    assert store.orders.get("o-1").badge_at_payment is False


def test_a_duplicate_paid_event_changes_nothing(store):
    apply(store, paid_order_message(), shipped_message())

    apply(store, paid_order_message())  # delivered again: the same facts

    assert store.orders.get("o-1").status is OrderStatus.SHIPPED
    assert store.orders.get("o-1").paid_amount_fen == 19900


def test_a_shipment_before_its_payment_is_kept_and_the_payment_does_not_reopen_it(store):
    apply(store, shipped_message())

    assert store.orders.get("o-1") is None  # no order yet: nothing to refund
    apply(store, paid_order_message())

    assert store.orders.get("o-1").status is OrderStatus.SHIPPED
    assert store.orders.get("o-1").shipment.tracking_number == "SF1"


def test_a_closure_before_its_payment_wins_over_a_shipment_whatever_their_order(store):
    apply(store, CLOSED, shipped_message(), paid_order_message())
    apply(store, shipped_message(order_id="o-2"), CLOSED | {"order_id": "o-2"}, paid_order_message(order_id="o-2"))

    assert [store.orders.get(order_id).status for order_id in ("o-1", "o-2")] == [OrderStatus.CLOSED] * 2


def test_closing_keeps_a_shipped_order_closed_and_is_idempotent(store):
    apply(store, paid_order_message(), shipped_message())

    apply(store, CLOSED, CLOSED)

    assert store.orders.get("o-1").status is OrderStatus.CLOSED


def test_a_shipment_event_for_a_closed_order_is_refused_but_not_retried(store, caplog):
    apply(store, paid_order_message(), CLOSED | {"closed_at": "2026-11-26T11:00:00+08:00"})

    apply(store, shipped_message())  # raises nothing: delivering it again could not change the answer

    assert store.orders.get("o-1").status is OrderStatus.CLOSED
    assert "shipment event refused" in caplog.text


def test_a_refunded_order_stays_refunded_when_closed_or_shipped(store):
    apply(store, paid_order_message())
    store.orders.orders["o-1"] = store.orders.get("o-1").model_copy(
        update={"status": OrderStatus.REFUNDED, "refund_id": "r-1"}
    )

    apply(store, shipped_message(), CLOSED)

    assert store.orders.get("o-1").status is OrderStatus.REFUNDED


@pytest.mark.parametrize(
    "other",
    [{"paid_amount_fen": 1}, {"merchant_id": "m-9"}, {"buyer_id": "b-9"}, {"paid_at": "2026-11-26T11:00:00+08:00"}],
)
def test_a_second_paid_event_with_other_facts_fails_and_the_stored_order_stands(store, other, caplog):
    apply(store, paid_order_message())

    with pytest.raises(ContradictoryEvent) as contradiction:
        apply(store, paid_order_message(**other))

    assert contradiction.value.fields == sorted(other)
    [error] = [record for record in caplog.records if record.levelname == "ERROR"]
    assert error.fields == sorted(other)  # the error log names the differing fields
    assert store.orders.get("o-1").paid_amount_fen == 19900
    assert store.orders.get("o-1").merchant_id == "m-1"


def test_an_event_inside_an_sns_envelope_is_the_same_event():
    event = paid_order_message()
    envelope = {"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:1:orders"}
    envelope["Message"] = json.dumps(event)

    assert order_events.parse(json.dumps(envelope)) == order_events.parse(json.dumps(event))


def test_an_envelope_around_no_event_is_refused():
    with pytest.raises(ValueError):
        order_events.parse(json.dumps({"Type": "Notification", "Message": "{}"}))
