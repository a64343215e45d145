"""The daily usage, as every DailyUsage and LeakedReservations port keeps it: a reservation is taken while the
day's room admits it, at the limit's very edge and not one fen or one refund past it; a release gives it back;
a decision on a policy older than the stored one is refused; a reservation waits in its bucket for the
reconciliation."""

from datetime import timedelta

import pytest

from devtools.factories import a_minute_left, policy
from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.errors import DailyLimitReached, PolicyChanged
from fastrefund.domain.reservations import BUCKET_SECONDS, SETTLE_SECONDS
from fastrefund.logic.ports import Store
from fastrefund.logic.usage_reconciliation import reconcile_usage

NOW = utc_now()
DAY = china_day(NOW)
LIMIT_FEN = 100_000


def with_policy(store: Store, **limits: int) -> str:
    """The merchant's policy set a minute ago: its version."""
    return store.merchants.set_auto_refund_policy("m-1", policy(**limits), NOW - timedelta(minutes=1))


@pytest.mark.parametrize("last_fen", [1, 30_000])
def test_the_day_takes_refunds_up_to_its_limit_exactly_and_not_one_fen_more(store: Store, last_fen: int):
    version = with_policy(store, daily_limit_amount_fen=LIMIT_FEN)
    limits = policy(daily_limit_amount_fen=LIMIT_FEN)
    store.usage.reserve("m-1", DAY, limits, version, LIMIT_FEN - last_fen, NOW)
    store.usage.reserve("m-1", DAY, limits, version, last_fen, NOW)  # exactly the limit

    with pytest.raises(DailyLimitReached) as refused:
        store.usage.reserve("m-1", DAY, limits, version, 1, NOW)
    assert (refused.value.usage.amount_fen, refused.value.usage.count) == (LIMIT_FEN, 2)


def test_the_day_takes_as_many_refunds_as_its_count_limit_and_no_more(store: Store):
    version = with_policy(store, daily_limit_count=3)
    limits = policy(daily_limit_count=3)
    for _ in range(3):
        store.usage.reserve("m-1", DAY, limits, version, 100, NOW)

    with pytest.raises(DailyLimitReached) as refused:
        store.usage.reserve("m-1", DAY, limits, version, 100, NOW)
    assert refused.value.usage.count == 3


def test_a_reservation_reports_the_usage_before_it_and_a_release_gives_it_back(store: Store):
    version = with_policy(store)
    first = store.usage.reserve("m-1", DAY, policy(), version, 30_000, NOW)
    second = store.usage.reserve("m-1", DAY, policy(), version, 20_000, NOW)
    assert first.usage_before is not None and first.usage_before.amount_fen == 0
    assert second.usage_before is not None and second.usage_before.amount_fen == 30_000

    assert store.usage.release("m-1", DAY, second.counter, 20_000, NOW)

    _, usage = store.merchants.get_with_usage("m-1", DAY)
    assert (usage.amount_fen, usage.count) == (30_000, 1)


def test_a_decision_on_an_older_policy_is_refused_and_counts_nothing(store: Store):
    old = with_policy(store)
    store.merchants.set_auto_refund_policy("m-1", policy(), NOW)  # changed since the decision read `old`

    with pytest.raises(PolicyChanged):
        store.usage.reserve("m-1", DAY, policy(), old, 10_000, NOW)
    _, usage = store.merchants.get_with_usage("m-1", DAY)
    assert (usage.amount_fen, usage.count) == (0, 0)


def test_a_reservation_waits_in_its_bucket_until_reconciled(store: Store):
    version = with_policy(store)
    reservation = store.usage.reserve("m-1", DAY, policy(), version, 30_000, NOW)

    assert store.leaked_reservations.counters_to_reconcile() == [("m-1", DAY, reservation.counter)]
    [bucket] = store.leaked_reservations.open_buckets("m-1", DAY, [reservation.counter])
    assert (bucket.amount_fen, bucket.count) == (30_000, 1)
    assert not store.leaked_reservations.done_reconciling("m-1", DAY, reservation.counter)  # a bucket is open

    assert store.leaked_reservations.close_bucket(bucket, 30_000, 1)  # no refund followed: all of it leaked
    assert not store.leaked_reservations.close_bucket(bucket, 30_000, 1)  # closed once only
    assert store.leaked_reservations.done_reconciling("m-1", DAY, reservation.counter)
    assert store.leaked_reservations.counters_to_reconcile() == []
    _, usage = store.merchants.get_with_usage("m-1", DAY)
    assert (usage.amount_fen, usage.count) == (0, 0)


def test_a_release_after_its_bucket_was_reconciled_changes_nothing(store: Store):
    usage, now = store.usage, utc_now()
    day = china_day(now)
    assert usage.reserve("m-1", day, policy(), "v1", 30000, now).usage_before.amount_fen == 0
    assert usage.reserve("m-1", day, policy(), "v1", 20000, now).usage_before.amount_fen == 30000  # before it

    # Both reservations leaked (no refund committed); the reconciliation takes them back
    settled = now + timedelta(seconds=BUCKET_SECONDS + SETTLE_SECONDS)
    assert (
        reconcile_usage(store.leaked_reservations, store.policy_refunds, settled, a_minute_left).leaked_amount_fen
        == 50000
    )
    assert store.leaked_reservations.counters_to_reconcile() == []

    # Then a late release of one of them is refused, and the day's usage stays exact
    assert not usage.release("m-1", day, 0, 30000, now)
    today = usage.get("m-1", day)
    assert (today.amount_fen, today.count) == (0, 0)
