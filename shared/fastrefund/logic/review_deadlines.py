"""The review deadline at platform scale: every minute each review partition is swept on its own, by its own
sweeper, and inside a partition the due requests are decided in parallel (docs/capacity.md has the sizes). A
request a buyer's guard held is passed to ops instead (reviews.expire), and the minute's dispatcher reports how
long the oldest of those has waited.

A sweeper pages through its partition's due requests, earliest deadline first, and never restarts: a request
that cannot be decided (its order missing, a transaction that keeps failing) is counted and passed over, and
the next minute's sweep tries it again, so it holds back no other request.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from fastrefund.domain.clock import lag_seconds
from fastrefund.domain.models.common import Frozen
from fastrefund.domain.models.refund import DueReview
from fastrefund.logic import reviews
from fastrefund.logic.ports import Store
from fastrefund.platform.observability import logger

PAGE = 100  # due requests read per query
PARALLEL = 8  # decisions in flight at once in one sweeper: each waits on DynamoDB most of its time


class SweepUnit(Frozen):
    """One partition to sweep, as the minute's dispatcher hands it out."""

    partition: str


@dataclass
class SweepOutcome:
    decided: int = 0  # approved for the silent merchant, or cancelled on a closed order
    escalated: int = 0  # held for a buyer's flag or limit: passed to ops
    failed: int = 0  # could not be decided now: passed over, tried again next minute
    oldest_due: datetime | None = None  # the earliest deadline found past due, decided or not

    def lag_seconds(self, now: datetime) -> float:
        """How late the oldest past-due request found was, at the sweep's start (0 when none was due)."""
        return lag_seconds(self.oldest_due, now)


def units(store: Store) -> list[SweepUnit]:
    """The minute's work: one unit a review partition."""
    return [SweepUnit(partition=partition) for partition in store.refunds.review_partitions()]


def sweep(partition: str, store: Store, clock: Callable[[], datetime], has_time: Callable[[], bool]) -> SweepOutcome:
    """Decide the partition's requests past their deadline at the sweep's start, while `has_time()`."""
    now, outcome, cursor = clock(), SweepOutcome(), None
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        while has_time():
            due, cursor = store.refunds.due_for_timeout(partition, now, PAGE, cursor)
            if due and outcome.oldest_due is None:
                outcome.oldest_due = due[0].review_deadline
            for decided in pool.map(lambda review: _decide(review, store, clock), due):
                outcome.decided += decided == DECIDED
                outcome.escalated += decided == ESCALATED
                outcome.failed += decided is None
            if cursor is None:
                break
    return outcome


DECIDED, ESCALATED, NOTHING = "decided", "escalated", "nothing"


def _decide(review: DueReview, store: Store, clock: Callable[[], datetime]) -> str | None:
    """DECIDED now, ESCALATED (passed to ops), NOTHING to do (decided first by someone else), or None when
    it could not be decided."""
    try:
        expired = reviews.expire(review.order_id, review.refund_id, store, clock())
    except Exception:  # one request's trouble must not hold back the others; the next minute tries it again
        logger.exception("review deadline not applied", extra=review.model_dump(mode="json"))
        return None
    if expired is None:
        return NOTHING
    return ESCALATED if expired.escalated_at else DECIDED


def oldest_escalated_wait(store: Store, now: datetime) -> float:
    """How long the oldest request passed to ops has waited for them, in seconds (0 when none waits)."""
    oldest = store.refund_lists.escalated_refunds(1, None).refunds
    return lag_seconds(oldest[0].escalated_at if oldest else None, now)
