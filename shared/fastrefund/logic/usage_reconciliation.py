"""Makes each day's usage counters exact again after a crash between a reservation and its commit.

A reservation that no commit follows (its process died, or its commit's outcome was never known) leaves
its counter too high: safe for the limit, wrong for the merchant. Once a bucket has settled (no request
of it can still commit or release), what it reserved on a counter minus the merchant-route refunds that
counter counted in it is what leaked; it is taken back from the counter (its room given back) and the
bucket is forgotten, in one conditional write. Runs every minute: a leak is gone within BUCKET_SECONDS +
SETTLE_SECONDS + 60 s (110 s) of its reservation.
"""

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime

from fastrefund.domain.clock import lag_seconds
from fastrefund.domain.reservations import Bucket
from fastrefund.logic.ports import LeakedReservations, PolicyRefunds
from fastrefund.platform.observability import logger

DAYS_AT_ONCE = 16  # merchants' days reconciled in parallel: a few calls each per settled bucket, all I/O
STOP_WITH_SECONDS_LEFT = 10  # a merchant's day is not started with less time left in the run: the next run has it


@dataclass
class UsageCorrections:
    buckets: int = 0  # settled buckets closed
    leaked_amount_fen: int = 0  # taken back from the counters
    leaked_count: int = 0
    counters_left: int = 0  # not started for lack of time (the counters of the days not started)
    oldest_open: datetime | None = None  # where the oldest bucket still open after the run begins

    def __add__(self, other: "UsageCorrections") -> "UsageCorrections":
        opens = [start for start in (self.oldest_open, other.oldest_open) if start is not None]
        return UsageCorrections(
            self.buckets + other.buckets,
            self.leaked_amount_fen + other.leaked_amount_fen,
            self.leaked_count + other.leaked_count,
            self.counters_left + other.counters_left,
            min(opens, default=None),
        )

    def lag_seconds(self, now: datetime) -> float:
        """How old the oldest reservation bucket left unreconciled is (0 when none is)."""
        return lag_seconds(self.oldest_open, now)


def reconcile_usage(
    reservations: LeakedReservations, refunds: PolicyRefunds, now: datetime, seconds_left: Callable[[], float]
) -> UsageCorrections:
    """Reconcile every merchant's day with reservations not yet reconciled, several at a time, in random order
    (a run that runs out of time leaves different days each time, never the same ones for good)."""
    days: dict[tuple[str, date], list[int]] = {}
    for merchant_id, day, counter in reservations.counters_to_reconcile():
        days.setdefault((merchant_id, day), []).append(counter)
    listed = list(days.items())
    random.shuffle(listed)

    def reconcile(listed_day: tuple[tuple[str, date], list[int]]) -> UsageCorrections:
        (merchant_id, day), counters = listed_day
        if seconds_left() < STOP_WITH_SECONDS_LEFT:
            return UsageCorrections(counters_left=len(counters))
        return _reconcile(reservations, refunds, merchant_id, day, counters, now)

    with ThreadPoolExecutor(DAYS_AT_ONCE) as pool:
        return sum(pool.map(reconcile, listed), UsageCorrections())


def _reconcile(
    reservations: LeakedReservations,
    refunds: PolicyRefunds,
    merchant_id: str,
    day: date,
    counters: list[int],
    now: datetime,
) -> UsageCorrections:
    """Close the settled buckets of a merchant's day on each of its listed counters: the refunds committed in a
    bucket are read once for all the counters."""
    corrections = UsageCorrections()
    open_buckets = reservations.open_buckets(merchant_id, day, counters)
    settled: dict[int, list[Bucket]] = {}
    for bucket in (bucket for bucket in open_buckets if bucket.settled_by(now)):
        settled.setdefault(bucket.start, []).append(bucket)
    closed: set[tuple[int, int]] = set()  # (counter, bucket start)
    for same_stretch in settled.values():
        committed = refunds.auto_refunded_by_policy(merchant_id, same_stretch[0].first, same_stretch[0].last)
        for bucket in same_stretch:
            committed_fen, committed_count = committed.get(bucket.counter, (0, 0))
            leaked_fen, leaked = bucket.amount_fen - committed_fen, bucket.count - committed_count
            if not reservations.close_bucket(bucket, leaked_fen, leaked):
                continue  # it changed since read (a late release): the next run looks again
            closed.add((bucket.counter, bucket.start))
            corrections.buckets += 1
            if (leaked_fen, leaked) != (0, 0):
                corrections.leaked_amount_fen += leaked_fen
                corrections.leaked_count += leaked
                logger.warning(
                    "reservations without a refund taken back from the day's usage",
                    extra={
                        "merchant_id": merchant_id,
                        "day": day.isoformat(),
                        "counter": bucket.counter,
                        "bucket": bucket.start,
                        "amount_fen": leaked_fen,
                        "count": leaked,
                    },
                )
    for counter in counters:
        if all((bucket.counter, bucket.start) in closed for bucket in open_buckets if bucket.counter == counter):
            reservations.done_reconciling(merchant_id, day, counter)
    left_open = [bucket.first for bucket in open_buckets if (bucket.counter, bucket.start) not in closed]
    corrections.oldest_open = min(left_open, default=None)
    return corrections
