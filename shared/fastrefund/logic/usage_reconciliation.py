"""Makes each day's usage counter exact again after a crash between a reservation and its commit.

A reservation that no commit follows (its process died, or its commit's outcome was never known) leaves
the counter too high: safe for the limit, wrong for the merchant. Once a bucket has settled (no request
of it can still commit or release), what it reserved minus the merchant-route refunds committed in it is
what leaked; it is taken back from the counter and the bucket is forgotten, in one conditional write.
Runs every minute: a leak is gone within BUCKET_SECONDS + SETTLE_SECONDS + 60 s (110 s) of its reservation.
"""

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime

from fastrefund.logic.ports import DailyUsage, MerchantRefunds
from fastrefund.runtime.observability import logger

COUNTERS_AT_ONCE = 16  # counters reconciled in parallel: ~3 calls each per settled bucket, all I/O
STOP_WITH_SECONDS_LEFT = 10  # a counter is not started with less time left in the run: the next run has it


@dataclass
class UsageCorrections:
    buckets: int = 0  # settled buckets closed
    leaked_amount_fen: int = 0  # taken back from the counters
    leaked_count: int = 0
    counters_left: int = 0  # not started for lack of time

    def __add__(self, other: "UsageCorrections") -> "UsageCorrections":
        return UsageCorrections(
            self.buckets + other.buckets,
            self.leaked_amount_fen + other.leaked_amount_fen,
            self.leaked_count + other.leaked_count,
            self.counters_left + other.counters_left,
        )


def reconcile_usage(
    usage: DailyUsage, refunds: MerchantRefunds, now: datetime, seconds_left: Callable[[], float]
) -> UsageCorrections:
    """Reconcile every counter with reservations not yet reconciled, several at a time, in random order (a
    run that runs out of time leaves different counters each time, never the same ones for good)."""
    counters = usage.counters_to_reconcile()
    random.shuffle(counters)

    def reconcile(counter: tuple[str, date]) -> UsageCorrections:
        if seconds_left() < STOP_WITH_SECONDS_LEFT:
            return UsageCorrections(counters_left=1)
        return _reconcile(usage, refunds, counter, now)

    with ThreadPoolExecutor(COUNTERS_AT_ONCE) as pool:
        return sum(pool.map(reconcile, counters), UsageCorrections())


def _reconcile(
    usage: DailyUsage, refunds: MerchantRefunds, counter: tuple[str, date], now: datetime
) -> UsageCorrections:
    merchant_id, day = counter
    corrections = UsageCorrections()
    buckets = usage.open_buckets(merchant_id, day)
    for bucket in (bucket for bucket in buckets if bucket.settled_by(now)):
        committed_fen, committed = refunds.auto_refunded_by_policy(merchant_id, bucket.first, bucket.last)
        leaked_fen, leaked = bucket.amount_fen - committed_fen, bucket.count - committed
        if not usage.close_bucket(bucket, leaked_fen, leaked):
            continue  # it changed since read (a late release): the next run looks again
        corrections.buckets += 1
        if (leaked_fen, leaked) != (0, 0):
            corrections.leaked_amount_fen += leaked_fen
            corrections.leaked_count += leaked
            logger.warning(
                "reservations without a refund taken back from the day's usage",
                extra={
                    "merchant_id": merchant_id,
                    "day": day.isoformat(),
                    "bucket": bucket.start,
                    "amount_fen": leaked_fen,
                    "count": leaked,
                },
            )
    if corrections.buckets == len(buckets):
        usage.done_reconciling(merchant_id, day)
    return corrections
