"""The life of a request in review, with the store in memory: approve, reject, cancel, the deadline, a
new request after an ending, the three-request cap, and a decision racing another change."""

from datetime import timedelta

import pytest

from devtools.factories import PAID_AT, default_rulebook, order
from fastrefund.domain.errors import (
    Forbidden,
    OrderClosed,
    OrderNotFound,
    OrderNotShipped,
    RefundNotInReview,
    TooManyRequests,
)
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.common import Reason
from fastrefund.domain.models.order import OrderStatus, Shipment
from fastrefund.domain.models.refund import PayoutStatus, RefundStatus, ResolvedBy
from fastrefund.logic import reviews
from fastrefund.logic.eligibility import check_eligibility
from fastrefund.logic.refund_requests import request_refund
from fastrefund.logic.reviews import Rejection
from tests.unit.fakes import InMemoryStore

NOW = PAID_AT + timedelta(hours=1)
DEADLINE = NOW + timedelta(seconds=default_rulebook().review_timeout_seconds)
BUYER = Caller(sub="b-1", role=Role.BUYER)
MERCHANT = Caller(sub="u-1", role=Role.MERCHANT, merchant_id="m-1")
OTHER_MERCHANT = Caller(sub="u-2", role=Role.MERCHANT, merchant_id="m-2")
OPS = Caller(sub="ops-1", role=Role.OPS)
KEEP = Rejection(reason_code="BUYER_AGREED_TO_KEEP")
PARCEL = Shipment(carrier="SF", tracking_number="SF1", shipped_at=NOW)


@pytest.fixture
def store() -> InMemoryStore:
    store = InMemoryStore()
    store.orders.add_paid(order(paid_amount_fen=45000))  # over the guarantee's limit, no policy: to review
    return store


def ask(store, at=NOW):
    refund, _ = request_refund("o-1", {}, BUYER, store, default_rulebook(), at)
    return refund


def test_a_request_in_review_has_its_deadline_and_holds_the_order(store):
    refund = ask(store)

    assert refund.status is RefundStatus.PENDING_REVIEW
    assert refund.review_deadline == DEADLINE
    assert store.orders.get("o-1").refund_id == refund.refund_id


def test_approval_refunds_the_order_and_starts_one_payout(store):
    refund = ask(store)

    approved = reviews.approve("o-1", refund.refund_id, MERCHANT, store, NOW)

    assert approved.status is RefundStatus.APPROVED
    assert (approved.resolution.by, approved.resolution.actor) == (ResolvedBy.MERCHANT, "u-1")
    assert approved.review_deadline is None
    assert (approved.payout.status, approved.payout.attempts) == (PayoutStatus.PENDING, 1)
    assert not approved.shipped_when_approved
    assert store.orders.get("o-1").status is OrderStatus.REFUNDED
    assert reviews.approve("o-1", refund.refund_id, MERCHANT, store, NOW + timedelta(hours=1)) == approved


def test_a_shipped_order_can_still_be_approved_and_says_so(store):
    store.orders.ship("o-1", PARCEL, "m-1")
    refund = ask(store)

    approved = reviews.approve("o-1", refund.refund_id, OPS, store, NOW)

    assert approved.shipped_when_approved
    assert approved.resolution.by is ResolvedBy.OPS
    assert store.orders.get("o-1").status is OrderStatus.REFUNDED


def test_a_rejection_frees_the_order_for_a_new_request_up_to_three(store):
    first = ask(store)
    rejected = reviews.reject("o-1", first.refund_id, KEEP, MERCHANT, store, NOW)
    second = ask(store, NOW + timedelta(minutes=1))
    cancelled = reviews.cancel("o-1", second.refund_id, BUYER, store, NOW)
    third = ask(store, NOW + timedelta(minutes=2))
    reviews.reject("o-1", third.refund_id, KEEP, MERCHANT, store, NOW)

    assert (rejected.status, rejected.resolution.reason_code) == (RefundStatus.REJECTED, "BUYER_AGREED_TO_KEEP")
    assert (cancelled.status, cancelled.resolution.by) == (RefundStatus.CANCELLED, ResolvedBy.BUYER)
    assert len({first.refund_id, second.refund_id, third.refund_id}) == 3
    with pytest.raises(TooManyRequests):
        ask(store)
    assert [r.refund_id for r in store.refunds.requests_of("o-1")] == [
        third.refund_id,
        second.refund_id,
        first.refund_id,
    ]
    assert store.orders.get("o-1").refund_requests == 3


def test_repeating_the_ending_action_returns_the_request_unchanged_and_others_are_409(store):
    refund = ask(store)
    rejected = reviews.reject("o-1", refund.refund_id, KEEP, MERCHANT, store, NOW)

    assert reviews.reject("o-1", refund.refund_id, KEEP, MERCHANT, store, NOW + timedelta(minutes=1)) == rejected
    with pytest.raises(RefundNotInReview) as refused:
        reviews.approve("o-1", refund.refund_id, MERCHANT, store, NOW)
    assert refused.value.details["status"] == "REJECTED"
    with pytest.raises(RefundNotInReview):
        reviews.cancel("o-1", refund.refund_id, BUYER, store, NOW)


def test_ops_may_overturn_a_rejection_and_the_rejection_stays_on_record(store):
    refund = ask(store)
    reviews.reject("o-1", refund.refund_id, KEEP, MERCHANT, store, NOW)

    approved = reviews.approve("o-1", refund.refund_id, OPS, store, NOW + timedelta(hours=2))

    assert approved.status is RefundStatus.APPROVED
    assert [r.by for r in approved.earlier_resolutions] == [ResolvedBy.MERCHANT]
    assert store.orders.get("o-1").status is OrderStatus.REFUNDED


def test_ops_cannot_overturn_a_rejection_while_a_newer_request_holds_the_order(store):
    first = ask(store)
    reviews.reject("o-1", first.refund_id, KEEP, MERCHANT, store, NOW)
    ask(store)

    with pytest.raises(RefundNotInReview):
        reviews.approve("o-1", first.refund_id, OPS, store, NOW)


def test_already_shipped_is_refused_for_an_order_not_recorded_as_shipped(store):
    refund = ask(store)

    with pytest.raises(OrderNotShipped):
        reviews.reject("o-1", refund.refund_id, Rejection(reason_code="ALREADY_SHIPPED"), MERCHANT, store, NOW)
    store.orders.ship("o-1", PARCEL, "m-1")
    rejected = reviews.reject("o-1", refund.refund_id, Rejection(reason_code="ALREADY_SHIPPED"), MERCHANT, store, NOW)
    assert rejected.status is RefundStatus.REJECTED


def test_other_needs_a_message():
    with pytest.raises(ValueError, match="message is required"):
        Rejection(reason_code="OTHER")


def test_who_may_decide(store):
    refund = ask(store)

    with pytest.raises(Forbidden):
        reviews.approve("o-1", refund.refund_id, BUYER, store, NOW)
    with pytest.raises(OrderNotFound):  # another merchant's order does not exist for it
        reviews.approve("o-1", refund.refund_id, OTHER_MERCHANT, store, NOW)
    with pytest.raises(Forbidden):
        reviews.cancel("o-1", refund.refund_id, MERCHANT, store, NOW)


def test_a_closed_order_cannot_be_approved(store):
    refund = ask(store)
    store.orders.close("o-1", NOW)

    with pytest.raises(OrderClosed):
        reviews.approve("o-1", refund.refund_id, MERCHANT, store, NOW)


def test_the_deadline_approves_for_the_silent_merchant_once(store):
    refund = ask(store)

    assert reviews.expire("o-1", refund.refund_id, store, DEADLINE - timedelta(seconds=1)) is None
    approved = reviews.expire("o-1", refund.refund_id, store, DEADLINE)

    assert (approved.status, approved.resolution.by) == (RefundStatus.APPROVED, ResolvedBy.REVIEW_TIMEOUT)
    assert approved.resolution.actor is None
    assert reviews.expire("o-1", refund.refund_id, store, DEADLINE) is None  # exactly once
    assert store.orders.get("o-1").status is OrderStatus.REFUNDED


def test_the_deadline_cancels_a_request_whose_order_closed(store):
    refund = ask(store)
    store.orders.close("o-1", NOW)

    cancelled = reviews.expire("o-1", refund.refund_id, store, DEADLINE)

    assert (cancelled.status, cancelled.resolution.by) == (RefundStatus.CANCELLED, ResolvedBy.REVIEW_TIMEOUT)
    assert store.orders.get("o-1").status is OrderStatus.CLOSED


def test_a_rejection_just_before_the_deadline_wins_and_the_deadline_sees_it(store):
    refund = ask(store)
    store.refunds.before_commit.append(lambda: reviews.reject("o-1", refund.refund_id, KEEP, MERCHANT, store, DEADLINE))

    assert reviews.expire("o-1", refund.refund_id, store, DEADLINE) is None
    assert store.refunds.refunds[refund.refund_id].status is RefundStatus.REJECTED
    assert store.orders.get("o-1").status is OrderStatus.PAID


def test_a_shipment_slipping_in_before_an_approval_is_seen_and_named(store):
    refund = ask(store)
    store.refunds.before_commit.append(lambda: store.orders.ship("o-1", PARCEL, "m-1"))

    approved = reviews.approve("o-1", refund.refund_id, MERCHANT, store, NOW)

    assert approved.shipped_when_approved  # decided again from the shipped order
    assert store.orders.get("o-1").status is OrderStatus.REFUNDED


def test_a_cancel_racing_an_approval_sees_the_approval(store):
    refund = ask(store)
    store.refunds.before_commit.append(lambda: reviews.approve("o-1", refund.refund_id, MERCHANT, store, NOW))

    with pytest.raises(RefundNotInReview) as refused:
        reviews.cancel("o-1", refund.refund_id, BUYER, store, NOW)
    assert refused.value.details["status"] == "APPROVED"


def test_the_dry_run_names_an_open_request_and_a_new_one_after_a_rejection_is_decided_afresh(store):
    refund = ask(store)

    dry_run = check_eligibility("o-1", BUYER, store, default_rulebook(), NOW)
    assert not dry_run.eligible
    assert dry_run.existing_refund_id == refund.refund_id
    assert all(Reason.REFUND_ALREADY_REQUESTED in check.reasons for check in dry_run.checks)

    reviews.reject("o-1", refund.refund_id, KEEP, MERCHANT, store, NOW)
    assert check_eligibility("o-1", BUYER, store, default_rulebook(), NOW).existing_refund_id is None
