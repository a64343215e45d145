"""Reservations on a day's usage, and the time buckets that let leaked ones be found.

A merchant-route refund reserves its amount on the day's usage before it commits (repositories.usage).
Each reservation is also counted in the bucket of the instant it was decided at, which is the refund's
`decided_at`: once every request of a bucket has committed or died, what the bucket reserved minus what
was committed in it is what leaked (a process that died between its reservation and its commit).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

BUCKET_SECONDS = 20  # divides a day, so that no bucket straddles two China days
# How long after a bucket ends its requests have all committed or died: the refund functions' Timeout
# (10 s) and the merchant index's lag (normally well under a second), with room to spare.
SETTLE_SECONDS = 30


def bucket_of(decided_at: datetime) -> int:
    """The bucket (its start, in epoch seconds) of a reservation for a refund decided at `decided_at`."""
    return int(decided_at.timestamp()) // BUCKET_SECONDS * BUCKET_SECONDS


@dataclass(frozen=True)
class Bucket:
    """What a day's counter holds for one bucket: the amount and the number of refunds reserved in it,
    net of the reservations released."""

    merchant_id: str
    day: date
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
