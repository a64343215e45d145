"""The refund's transactions, as every Refunds port keeps them: a write commits only on the order as read, and
when several conditions fail at once the answer that tells the caller most comes first."""

from datetime import timedelta

import pytest

from devtools.factories import order, refund_of
from fastrefund.domain.clock import utc_now
from fastrefund.domain.errors import OrderChanged, RefundExists, RequestChanged
from fastrefund.domain.models.order import Order, OrderStatus, Shipment
from fastrefund.domain.models.refund import Payout, PayoutStatus, Refund, RefundStatus, Resolution, ResolvedBy
from fastrefund.logic.ports import Store
from tests.support import open_request

NOW = utc_now()


def paid(store: Store, order_id: str = "o-1") -> Order:
    stored = order(order_id=order_id, paid_at=NOW - timedelta(hours=1))
    assert store.orders.add_paid(stored)
    return stored


def in_review(paid_order: Order, refund_id: str = "r-review") -> Refund:
    return refund_of(
        paid_order,
        refund_id=refund_id,
        status=RefundStatus.PENDING_REVIEW,
        route=None,
        review_deadline=NOW + timedelta(days=2),
    )


def ship(store: Store, order_id: str = "o-1") -> None:
    assert store.orders.ship(order_id, Shipment(carrier="SF", tracking_number="SF1", shipped_at=NOW), None)[1]


def test_an_auto_refund_commits_the_order_and_the_request_together(store: Store):
    read = paid(store)

    store.refunds.commit_auto_refund(refund_of(read), read, store.buyers.standing(read.buyer_id))

    stored_order, stored_refund = open_request(store, "o-1")
    assert stored_order is not None and stored_order.status is OrderStatus.REFUNDED
    assert stored_order.refund_id == "r-o-1" and stored_order.refund_requests == 1
    assert stored_refund == refund_of(read)


def test_an_order_shipped_since_it_was_read_is_not_refunded(store: Store):
    read = paid(store)
    ship(store)

    with pytest.raises(OrderChanged):
        store.refunds.commit_auto_refund(refund_of(read), read, store.buyers.standing(read.buyer_id))
    assert store.refunds.requests_of("o-1") == []


def test_an_existing_request_is_answered_first_even_when_the_order_also_changed(store: Store):
    read = paid(store)
    store.refunds.add_for_review(in_review(read), read)  # another request holds the order...
    ship(store)  # ...and the order shipped since

    with pytest.raises(RefundExists):
        store.refunds.commit_auto_refund(refund_of(read), read, store.buyers.standing(read.buyer_id))


def test_a_request_made_since_the_read_cancels_the_write(store: Store):
    read = paid(store)
    first = in_review(read, "r-1")
    store.refunds.add_for_review(first, read)
    cancelled = first.model_copy(update={"status": RefundStatus.CANCELLED, "review_deadline": None})
    store.refunds.end_request(cancelled, RefundStatus.PENDING_REVIEW, read)  # the order is free again...

    with pytest.raises(OrderChanged):  # ...but one request was made since `read`
        store.refunds.add_for_review(in_review(read, "r-2"), read)


def held_in_review(store: Store) -> tuple[Refund, Order]:
    """o-1's request in review, and the order as it holds it."""
    read = paid(store)
    request = in_review(read)
    store.refunds.add_for_review(request, read)
    held, _ = open_request(store, "o-1")
    assert held is not None
    return request, held


def test_an_approval_refunds_the_order_once(store: Store):
    request, held = held_in_review(store)
    resolution = Resolution(by=ResolvedBy.MERCHANT, at=NOW, actor="u-1")
    approved = request.model_copy(update={"status": RefundStatus.APPROVED, "resolution": resolution})

    store.refunds.approve(approved, RefundStatus.PENDING_REVIEW, held)

    stored_order, stored_refund = open_request(store, "o-1")
    assert stored_order is not None and stored_order.status is OrderStatus.REFUNDED
    assert stored_refund is not None and stored_refund.status is RefundStatus.APPROVED
    with pytest.raises(RequestChanged):  # the same decision again: the request changed (and the order), it says first
        store.refunds.approve(approved, RefundStatus.PENDING_REVIEW, held)


def test_a_rejection_frees_the_order_and_a_decision_after_a_shipment_is_refused(store: Store):
    request, held = held_in_review(store)
    rejected = request.model_copy(update={"status": RefundStatus.REJECTED})

    store.refunds.end_request(rejected, RefundStatus.PENDING_REVIEW, held)

    freed, still_open = open_request(store, "o-1")
    assert freed is not None and freed.refund_id is None and still_open is None
    assert store.refunds.get("o-1", "r-review") == rejected
    second = in_review(freed, "r-2")
    store.refunds.add_for_review(second, freed)
    ship(store)
    with pytest.raises(OrderChanged):  # the merchant's approval, on the order as it was read before it shipped
        store.refunds.approve(second.model_copy(update={"status": RefundStatus.APPROVED}), second.status, freed)


def test_a_payout_is_saved_only_over_the_payout_read(store: Store):
    read = paid(store)
    refund = refund_of(read, payout=Payout(updated_at=NOW))
    store.refunds.commit_auto_refund(refund, read, store.buyers.standing(read.buyer_id))
    succeeded = refund.model_copy(update={"payout": Payout(status=PayoutStatus.SUCCEEDED, updated_at=NOW)})

    store.refunds.save_payout(succeeded, refund.payout)

    assert store.refunds.find(refund.refund_id) == succeeded
    with pytest.raises(RequestChanged):
        store.refunds.save_payout(succeeded, refund.payout)  # read before the first save: stale
