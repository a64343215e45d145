"""Asking for a refund, with the store in memory: the decision, and the retry loop when something
changes between the read and the write (another request, a shipment, the day's usage, the policy)."""

from datetime import timedelta

import pytest

from devtools.factories import PAID_AT, default_rulebook, order, policy
from fastrefund.domain.errors import OrderClosed, OrderNotFound, TemporarilyUnavailable, WriteConflict
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.common import Reason, Route
from fastrefund.domain.models.order import OrderStatus, Shipment
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.logic import settling
from fastrefund.logic.refund_requests import request_refund
from tests.unit.fakes import InMemoryStore

NOW = PAID_AT + timedelta(hours=1)
BUYER = Caller(sub="b-1", role=Role.BUYER)
DAY = NOW.date()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


def ask(store: InMemoryStore, order_id: str = "o-1"):
    return request_refund(order_id, {"reason": "changed my mind"}, BUYER, store, default_rulebook(), NOW)


def with_policy(store: InMemoryStore, **limits) -> None:
    store.merchants.set_auto_refund_policy("m-1", policy(**limits), PAID_AT)


def test_a_covered_order_is_refunded_by_the_platform_and_marked_refunded(store):
    store.orders.add_paid(order())

    refund, created = ask(store)

    assert created
    assert (refund.status, refund.route) == (RefundStatus.AUTO_REFUNDED, Route.PLATFORM_FAST_REFUND)
    assert store.orders.get("o-1").status is OrderStatus.REFUNDED
    assert store.orders.get("o-1").refund_id == refund.refund_id
    assert refund.buyer_reason == "changed my mind"


def test_the_platform_route_never_reads_or_counts_the_merchants_day(store):
    store.orders.add_paid(order())
    with_policy(store, daily_limit_amount_fen=100)

    ask(store)

    assert store.merchants.usage == {}


def test_the_merchant_policy_counts_the_refund_in_the_days_usage(store):
    store.orders.add_paid(order(paid_amount_fen=45000))
    with_policy(store)

    refund, _ = ask(store)

    assert refund.route is Route.MERCHANT_AUTO_REFUND
    assert refund.inputs.usage_before.amount_fen == 0
    used = store.merchants.usage[("m-1", DAY)]
    assert (used.amount_fen, used.count) == (45000, 1)


def test_asking_again_returns_the_first_request(store):
    store.orders.add_paid(order())
    first, _ = ask(store)

    again, created = ask(store)

    assert not created
    assert again == first


def test_asking_again_after_a_review_returns_the_same_review(store):
    store.orders.add_paid(order(paid_amount_fen=45000))
    first, _ = ask(store)

    again, created = ask(store)

    assert not created
    assert again == first
    assert first.status is RefundStatus.PENDING_REVIEW


def test_an_order_outside_every_route_goes_to_review_with_all_reasons(store):
    store.orders.add_paid(order(paid_amount_fen=45000))

    refund, created = ask(store)

    assert created
    assert refund.status is RefundStatus.PENDING_REVIEW
    assert refund.route is None
    assert refund.reasons == [Reason.AMOUNT_OVER_LIMIT, Reason.POLICY_DISABLED]
    assert store.orders.get("o-1").status is OrderStatus.PAID


def test_a_shipped_order_goes_to_review(store):
    store.orders.add_paid(order())
    store.orders.ship("o-1", Shipment(carrier="SF", tracking_number="SF1", shipped_at=NOW), "m-1")

    refund, _ = ask(store)

    assert refund.status is RefundStatus.PENDING_REVIEW
    assert refund.reasons == [Reason.ORDER_SHIPPED, Reason.POLICY_DISABLED]


def test_an_unknown_order_and_a_closed_one_are_refused(store):
    store.orders.add_paid(order(status=OrderStatus.CLOSED))

    with pytest.raises(OrderNotFound):
        ask(store, "o-unknown")
    with pytest.raises(OrderClosed):
        ask(store)


def test_a_shipment_slipping_in_before_the_commit_sends_the_request_to_review(store):
    # Given the merchant ships the order between the decision's read and the refund's write
    store.orders.add_paid(order())
    parcel = Shipment(carrier="SF", tracking_number="SF1", shipped_at=NOW)
    store.refunds.before_commit.append(lambda: store.orders.ship("o-1", parcel, None))

    refund, created = ask(store)

    # Then the request is decided again from what is stored: shipped, so to review, naming why
    assert created
    assert refund.status is RefundStatus.PENDING_REVIEW
    assert Reason.ORDER_SHIPPED in refund.reasons
    assert store.orders.get("o-1").status is OrderStatus.SHIPPED


def test_a_request_that_won_the_race_is_the_answer(store):
    # Given another request for the same order commits first
    store.orders.add_paid(order())
    store.refunds.before_commit.append(lambda: ask(store))

    refund, created = ask(store)

    assert not created
    assert store.refunds.refunds[refund.refund_id] == refund
    assert refund.status is RefundStatus.AUTO_REFUNDED


def test_a_day_used_up_meanwhile_sends_the_request_to_review_with_the_reason(store):
    # Given two orders of 450 yuan under a 500-yuan day, and the other one refunded in between
    store.orders.add_paid(order(paid_amount_fen=45000))
    store.orders.add_paid(order(order_id="o-2", buyer_id="b-1", paid_amount_fen=45000))
    with_policy(store, daily_limit_amount_fen=50000)
    store.usage.before_reserve.append(lambda: ask(store, "o-2"))

    refund, _ = ask(store)

    assert refund.status is RefundStatus.PENDING_REVIEW
    assert Reason.DAILY_LIMIT_REACHED in refund.reasons
    assert refund.inputs.usage_before.amount_fen == 45000  # the usage the reservation was refused on
    assert store.merchants.usage[("m-1", DAY)].amount_fen == 45000  # never past the limit


def test_a_reservation_not_yet_committed_already_counts_against_the_limit(store):
    # Given o-2 is asked for while o-1's refund is reserved and not yet committed
    store.orders.add_paid(order(paid_amount_fen=45000))
    store.orders.add_paid(order(order_id="o-2", buyer_id="b-1", paid_amount_fen=45000))
    with_policy(store, daily_limit_amount_fen=50000)
    others: list = []
    store.refunds.before_commit.append(lambda: others.append(ask(store, "o-2")[0]))

    refund, _ = ask(store)

    assert refund.status is RefundStatus.AUTO_REFUNDED
    assert others[0].status is RefundStatus.PENDING_REVIEW
    assert others[0].reasons[-1] is Reason.DAILY_LIMIT_REACHED
    assert store.merchants.usage[("m-1", DAY)].amount_fen == 45000


def test_a_commit_cancelled_by_a_shipment_takes_its_reservation_back(store):
    # Given the order is shipped after the merchant-route refund was reserved, before it commits
    store.orders.add_paid(order(paid_amount_fen=45000))
    with_policy(store, daily_limit_amount_fen=50000)
    parcel = Shipment(carrier="SF", tracking_number="SF1", shipped_at=NOW)
    store.refunds.before_commit.append(lambda: store.orders.ship("o-1", parcel, None))

    refund, _ = ask(store)

    # Then the request goes to review and the day's usage is as if it had never been reserved
    assert refund.status is RefundStatus.PENDING_REVIEW
    assert Reason.ORDER_SHIPPED in refund.reasons
    used = store.merchants.usage[("m-1", DAY)]
    assert (used.amount_fen, used.count) == (0, 0)


def test_a_policy_switched_off_while_deciding_is_obeyed(store):
    store.orders.add_paid(order(paid_amount_fen=45000))
    with_policy(store)
    switched_off = policy(enabled=False)
    store.usage.before_reserve.append(
        lambda: store.merchants.set_auto_refund_policy("m-1", switched_off, NOW - timedelta(minutes=1))
    )

    refund, _ = ask(store)

    # Then the refund goes to review, and nothing was counted against the day's limit
    assert refund.status is RefundStatus.PENDING_REVIEW
    assert Reason.POLICY_DISABLED in refund.reasons
    assert store.orders.get("o-1").status is OrderStatus.PAID
    assert store.merchants.usage == {}


def test_write_conflicts_are_retried_and_then_answered_as_busy(store):
    store.orders.add_paid(order())

    def conflict() -> None:
        raise WriteConflict("another transaction")

    store.refunds.before_commit.extend([conflict] * settling.COMMIT_ATTEMPTS)

    with pytest.raises(TemporarilyUnavailable):
        ask(store)
    assert store.refunds.refunds == {}
    assert store.orders.get("o-1").status is OrderStatus.PAID


def test_a_conflict_that_clears_before_the_last_attempt_is_committed(store):
    store.orders.add_paid(order())

    def conflict() -> None:
        raise WriteConflict("another transaction")

    store.refunds.before_commit.extend([conflict] * (settling.COMMIT_ATTEMPTS - 1))

    refund, created = ask(store)

    assert created and refund.status is RefundStatus.AUTO_REFUNDED
