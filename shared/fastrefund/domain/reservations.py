"""Reservations on a day's usage, the rooms that bound them, and the time buckets that let leaked ones be found.

A merchant-route refund reserves its amount on the day's usage before it commits (repositories.usage_reservations).
The day's usage is kept on one or more counters (the policy's `usage_counters`), each with a room: what
it may still take. The rooms are dealt from the daily limit minus the day's usage, so the counters
together can never take more than the limit leaves.

Each reservation is also counted in the bucket of the instant it was decided at, which is the refund's
`decided_at`: once every request of a bucket has committed or died, what the bucket reserved minus what
was committed in it is what leaked (a process that died between its reservation and its commit).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fastrefund.domain.models.merchant import AutoRefundPolicy, PolicyUsage

BUCKET_SECONDS = 20  # divides a day, so that no bucket straddles two China days
# How long after a bucket ends its requests have all committed or died: the refund functions' Timeout
# (10 s) and the merchant index's lag (normally well under a second), with room to spare.
SETTLE_SECONDS = 30


def bucket_of(decided_at: datetime) -> int:
    """The bucket (its start, in epoch seconds) of a reservation for a refund decided at `decided_at`."""
    return int(decided_at.timestamp()) // BUCKET_SECONDS * BUCKET_SECONDS


@dataclass(frozen=True)
class Reservation:
    """Where a refund's reservation was counted, and the day's usage before it when that is known: the day
    has one counter, which the reservation found as it was, or the reservation dealt the day's rooms, which
    read every counter."""

    counter: int
    usage_before: PolicyUsage | None


@dataclass(frozen=True)
class Rooms:
    """What each of the day's counters may still take, in fen and (under a count limit) in refunds."""

    fen: list[int]
    count: list[int] | None

    @classmethod
    def dealt(cls, policy: AutoRefundPolicy, usage: PolicyUsage, counters: int) -> "Rooms | None":
        """The rooms of `counters` counters (at least the policy's own) after `usage`: what the limit leaves,
        dealt evenly over the counters the policy uses, none to a counter left from a larger number.

        None when the usage is over the limit (a limit lowered below it): no room can be dealt, and the
        counters are left without, so that every reservation deals again from the usage (a released
        reservation must not make room on its counter while the day is still over)."""
        assert policy.daily_limit_amount_fen is not None, "an enabled policy always has a daily amount limit"
        left_fen = policy.daily_limit_amount_fen - usage.amount_fen
        left_count = None if policy.daily_limit_count is None else policy.daily_limit_count - usage.count
        if left_fen < 0 or (left_count is not None and left_count < 0):
            return None
        return cls(
            fen=_deal(left_fen, policy.usage_counters, counters),
            count=None if left_count is None else _deal(left_count, policy.usage_counters, counters),
        )


def _deal(left: int, live: int, counters: int) -> list[int]:
    each, extra = divmod(left, live)
    return [each + (k < extra) if k < live else 0 for k in range(counters)]


@dataclass(frozen=True)
class Bucket:
    """What one of a day's counters holds for one bucket: the amount and the number of refunds reserved in
    it, net of the reservations released."""

    merchant_id: str
    day: date
    counter: int
    start: int
    amount_fen: int
    count: int

    @property
    def first(self) -> datetime:
        return datetime.fromtimestamp(self.start, UTC)

    @property
    def last(self) -> datetime:
        """The bucket's last instant, at the storage's resolution (microseconds)."""
        return self.first + timedelta(seconds=BUCKET_SECONDS, microseconds=-1)

    def settled_by(self, now: datetime) -> bool:
        """Whether no request of the bucket can still commit or release at `now`."""
        return now >= self.first + timedelta(seconds=BUCKET_SECONDS + SETTLE_SECONDS)
