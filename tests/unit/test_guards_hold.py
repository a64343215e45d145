"""The buyer's guards hold to the end: a request a risk flag or a buyer limit sent to review is never approved by
the merchant's silence. Its deadline passes it to ops (still in review, with escalated_at), where ops or its
merchant decide it, and ops' queue lists it, oldest first, until they do."""

import json
from datetime import timedelta

import pytest

from devtools.factories import PAID_AT, default_rulebook, order
from fastrefund.domain.errors import Forbidden
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.common import Reason
from fastrefund.domain.models.refund import RefundStatus, ResolvedBy
from fastrefund.domain.rulebook import BuyerLimits
from fastrefund.logic import order_events, review_deadlines, reviews
from fastrefund.logic.escalated_refunds import list_escalated_refunds
from fastrefund.logic.refund_requests import request_refund
from fastrefund.logic.refund_views import RefundView
from fastrefund.logic.reviews import Rejection
from tests.unit.fakes import InMemoryStore

NOW = PAID_AT + timedelta(hours=1)
DEADLINE = NOW + timedelta(seconds=default_rulebook().review_timeout_seconds)
BUYER = Caller(sub="b-1", role=Role.BUYER)
MERCHANT = Caller(sub="u-1", role=Role.MERCHANT, merchant_id="m-1")
OPS = Caller(sub="ops-1", role=Role.OPS)
KEY = b"cursor-key"
ONE_REFUND_A_MONTH = default_rulebook().model_copy(
    update={"buyer_limits": BuyerLimits(window_days=30, max_auto_refunds=1)}
)


def flag_buyer(store: InMemoryStore) -> None:
    flag = {"type": "BUYER_RISK_FLAGGED", "buyer_id": "b-1", "reason_code": "R", "flagged_at": PAID_AT.isoformat()}
    order_events.apply(order_events.parse(json.dumps(flag)), store)


def held_requests(store: InMemoryStore):
    """Order o-1's request held for the buyer's flag, and o-3's for the buyer's limit (o-2 took the one refund)."""
    for n in (1, 2, 3):
        store.orders.add_paid(order(order_id=f"o-{n}"))
    flag_buyer(store)
    flagged, _ = request_refund("o-1", {}, BUYER, store, ONE_REFUND_A_MONTH, NOW)
    store.buyers.flags.clear()  # the flag cleared: the next two requests meet the limit alone
    approved, _ = request_refund("o-2", {}, BUYER, store, ONE_REFUND_A_MONTH, NOW)
    over_limit, _ = request_refund("o-3", {}, BUYER, store, ONE_REFUND_A_MONTH, NOW + timedelta(seconds=1))
    assert approved.status is RefundStatus.AUTO_REFUNDED
    assert Reason.BUYER_FLAGGED in flagged.reasons
    assert Reason.BUYER_LIMIT_REACHED in over_limit.reasons
    return flagged, over_limit


def test_the_deadline_passes_guarded_requests_to_ops_and_approves_neither():
    store = InMemoryStore()
    flagged, over_limit = held_requests(store)
    payouts_before = [refund for refund in store.refunds.refunds.values() if refund.payout]

    for request in (flagged, over_limit):
        escalated = reviews.expire(request.order_id, request.refund_id, store, DEADLINE + timedelta(seconds=2))
        assert (escalated.status, escalated.escalated_at) == (
            RefundStatus.PENDING_REVIEW,
            DEADLINE + timedelta(seconds=2),
        )
        assert escalated.resolution is None

    # Then neither order is refunded, no payout is owed, and the deadline never comes back to them
    assert {store.orders.get(o).status.value for o in ("o-1", "o-3")} == {"PAID"}
    assert [refund for refund in store.refunds.refunds.values() if refund.payout] == payouts_before
    assert reviews.expire("o-1", flagged.refund_id, store, DEADLINE + timedelta(days=30)) is None
    assert (
        store.refunds.due_for_timeout(store.refunds.review_partitions()[0], DEADLINE + timedelta(days=30), 10)[0] == []
    )


def test_ops_approve_one_and_the_merchant_rejects_the_other_and_the_queue_empties():
    store = InMemoryStore()
    flagged, over_limit = held_requests(store)
    for seconds, request in enumerate((flagged, over_limit), start=2):
        reviews.expire(request.order_id, request.refund_id, store, DEADLINE + timedelta(seconds=seconds))
    queue = list_escalated_refunds(50, None, OPS, store, lambda: KEY)
    assert [item.order_id for item in queue.items] == ["o-1", "o-3"]  # oldest escalation first

    approved = reviews.approve("o-1", flagged.refund_id, OPS, store, DEADLINE + timedelta(hours=1))
    rejected = reviews.reject("o-3", over_limit.refund_id, Rejection(reason_code="BUYER_AGREED_TO_KEEP"), MERCHANT,
                              store, DEADLINE + timedelta(hours=2))  # fmt: skip

    assert (approved.status, approved.resolution.by, approved.payout.status.value) == (
        RefundStatus.APPROVED, ResolvedBy.OPS, "PENDING",
    )  # fmt: skip
    assert (rejected.status, rejected.resolution.by) == (RefundStatus.REJECTED, ResolvedBy.MERCHANT)
    assert store.orders.get("o-1").status.value == "REFUNDED"
    assert list_escalated_refunds(50, None, OPS, store, lambda: KEY).items == []


def test_a_request_in_review_for_any_other_reason_is_still_approved_for_the_silent_merchant():
    store = InMemoryStore()
    store.orders.add_paid(order(paid_amount_fen=45_000))  # over the guarantee's limit, no policy
    asked, _ = request_refund("o-1", {}, BUYER, store, ONE_REFUND_A_MONTH, NOW)

    approved = reviews.expire("o-1", asked.refund_id, store, DEADLINE)

    assert (approved.status, approved.resolution.by) == (RefundStatus.APPROVED, ResolvedBy.REVIEW_TIMEOUT)


def test_the_sweep_counts_what_it_passes_to_ops_apart_from_what_it_decides():
    store = InMemoryStore()
    held_requests(store)
    store.orders.add_paid(order(order_id="o-4", paid_amount_fen=45_000, buyer_id="b-2"))
    request_refund("o-4", {}, Caller(sub="b-2", role=Role.BUYER), store, default_rulebook(), NOW)

    outcomes = [
        review_deadlines.sweep(unit.partition, store, lambda: DEADLINE + timedelta(seconds=5), lambda: True)
        for unit in review_deadlines.units(store)
    ]

    assert sum(outcome.escalated for outcome in outcomes) == 2
    assert sum(outcome.decided for outcome in outcomes) == 1
    assert review_deadlines.oldest_escalated_wait(store, DEADLINE + timedelta(hours=25)) >= 24 * 3600


def test_only_ops_read_the_queue_and_the_buyer_never_sees_the_escalation():
    store = InMemoryStore()
    flagged, _ = held_requests(store)
    escalated = reviews.expire("o-1", flagged.refund_id, store, DEADLINE + timedelta(seconds=2))

    with pytest.raises(Forbidden):
        list_escalated_refunds(50, None, MERCHANT, store, lambda: KEY)
    assert RefundView.of(escalated, BUYER).escalated_at is None
    assert RefundView.of(escalated, MERCHANT).escalated_at is not None


def test_the_queue_pages_oldest_first_with_signed_cursors():
    store = InMemoryStore()
    for n in range(5):
        store.orders.add_paid(order(order_id=f"o-{n}"))
    flag_buyer(store)
    for n in range(5):
        asked, _ = request_refund(f"o-{n}", {}, BUYER, store, default_rulebook(), NOW)
        reviews.expire(f"o-{n}", asked.refund_id, store, DEADLINE + timedelta(minutes=n))

    seen, cursor = [], None
    while True:
        page = list_escalated_refunds(2, cursor, OPS, store, lambda: KEY)
        seen += [item.order_id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == [f"o-{n}" for n in range(5)]
