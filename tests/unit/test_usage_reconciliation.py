"""The day's usage after a crash between a reservation and its commit, with the store in memory: too high
(never too low) until the reservation's bucket settles, then exactly the sum of the refunds committed."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from devtools.factories import PAID_AT, a_minute_left, default_rulebook, order, policy
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.domain.reservations import BUCKET_SECONDS, SETTLE_SECONDS, Bucket, bucket_of
from fastrefund.logic.refund_requests import request_refund
from fastrefund.logic.usage_reconciliation import reconcile_usage
from tests.unit.fakes import InMemoryStore

NOW = PAID_AT + timedelta(hours=1)
DAY = NOW.date()
SETTLED = NOW + timedelta(seconds=BUCKET_SECONDS + SETTLE_SECONDS)  # whatever NOW's place in its bucket


class Crash(Exception):
    """The process dies: nothing after this point of the commit path runs."""


def crash() -> None:
    raise Crash


def ask(store: InMemoryStore, order_id: str):
    return request_refund(order_id, {}, Caller(sub="b-1", role=Role.BUYER), store, default_rulebook(), NOW)


def dies_after_reserving(store: InMemoryStore, order_id: str) -> None:
    """The process asking for the order's refund dies between its reservation and its commit."""
    store.refunds.before_commit.append(crash)
    with pytest.raises(Crash):
        ask(store, order_id)


def reconcile(store: InMemoryStore, now: datetime, seconds_left: Callable[[], float] = a_minute_left):
    return reconcile_usage(store.leaked_reservations, store.policy_refunds, now, seconds_left)


@pytest.fixture
def store() -> InMemoryStore:
    store = InMemoryStore()
    store.merchants.set_auto_refund_policy("m-1", policy(daily_limit_amount_fen=100_000), PAID_AT)
    for number in range(1, 4):
        store.orders.add_paid(order(order_id=f"o-{number}", buyer_id="b-1", paid_amount_fen=30_000))
    return store


def usage(store: InMemoryStore) -> tuple[int, int]:
    used = store.usage.get("m-1", DAY)
    return used.amount_fen, used.count


def test_a_reservation_whose_process_died_is_taken_back_once_its_bucket_settles(store):
    # Given o-1 and o-3 are refunded, and the process refunding o-2 dies after its reservation
    ask(store, "o-1")
    dies_after_reserving(store, "o-2")
    ask(store, "o-3")
    assert usage(store) == (90_000, 3)  # too high, never too low

    # When the reconciliation runs before the bucket settles, nothing changes
    assert reconcile(store, SETTLED - timedelta(seconds=BUCKET_SECONDS)).buckets == 0
    assert usage(store) == (90_000, 3)

    # Then once it has settled, the counter is the sum of what was committed, and the counter leaves the index
    corrections = reconcile(store, SETTLED)
    assert (corrections.buckets, corrections.leaked_amount_fen, corrections.leaked_count) == (1, 30_000, 1)
    assert usage(store) == (60_000, 2)
    assert store.leaked_reservations.counters_to_reconcile() == []
    assert reconcile(store, SETTLED + timedelta(minutes=1)).buckets == 0


def test_a_day_without_crashes_is_left_as_it_is(store):
    ask(store, "o-1")
    ask(store, "o-2")

    corrections = reconcile(store, SETTLED)

    assert (corrections.buckets, corrections.leaked_amount_fen) == (1, 0)
    assert usage(store) == (60_000, 2)


def test_a_release_after_the_bucket_was_reconciled_changes_nothing(store):
    # Given a process that stalls past the bucket's settling, between its reservation and its release
    dies_after_reserving(store, "o-1")
    reconcile(store, SETTLED)
    assert usage(store) == (0, 0)

    # Then its late release is refused: the reconciliation took the reservation back already
    assert not store.usage.release("m-1", DAY, 0, 30_000, NOW)
    assert usage(store) == (0, 0)


def test_the_freed_room_can_be_used_again(store):
    dies_after_reserving(store, "o-1")
    reconcile(store, SETTLED)

    refund, _ = ask(store, "o-2")

    assert refund.status is RefundStatus.AUTO_REFUNDED


@pytest.mark.parametrize("offset, settled", [(-1, False), (0, True)], ids=["a-microsecond-before", "at"])
def test_a_bucket_settles_settle_seconds_after_it_ends(offset, settled):
    bucket = Bucket("m-1", DAY, 0, bucket_of(NOW), 0, 0)
    ends = bucket.last + timedelta(microseconds=1)

    assert bucket.settled_by(ends + timedelta(seconds=SETTLE_SECONDS, microseconds=offset)) is settled
    assert bucket.first <= NOW <= bucket.last


def test_a_run_short_of_time_leaves_the_counters_to_the_next(store):
    dies_after_reserving(store, "o-1")

    def no_time_left() -> float:
        return 5.0

    assert reconcile(store, SETTLED, no_time_left).counters_left == 1
    assert usage(store) == (30_000, 1)
    assert reconcile(store, SETTLED).leaked_count == 1
    assert usage(store) == (0, 0)
