"""A buyer's recent automatic refunds: what the rules document's buyer limits are counted against."""

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field

from fastrefund.domain.clock import Instant
from fastrefund.domain.models.common import Frozen


class CountedRefund(Frozen):
    refund_id: str
    amount_fen: int
    decided_at: Instant


class BuyerUsage(Frozen):
    """The buyer's automatic refunds still inside the longest window the limits may ask about, and the version
    of the stored record (0: none stored), on which the write that counts a new refund is conditioned."""

    buyer_id: str
    refunds: list[CountedRefund] = []
    version: Annotated[int, Field(ge=0)] = 0

    def within(self, now: datetime, window_days: int) -> tuple[int, int]:
        """How many automatic refunds, and how many fen, in the rolling window of `window_days` ending now."""
        start = now - timedelta(days=window_days)
        counted = [refund for refund in self.refunds if refund.decided_at > start]
        return len(counted), sum(refund.amount_fen for refund in counted)

    def counting(self, refund_id: str, amount_fen: int, now: datetime, window_days: int) -> "BuyerUsage":
        """The record with one more automatic refund, and without those the window has left behind."""
        start = now - timedelta(days=window_days)
        kept = [refund for refund in self.refunds if refund.decided_at > start]
        counted = CountedRefund(refund_id=refund_id, amount_fen=amount_fen, decided_at=now)
        return self.model_copy(update={"refunds": [*kept, counted], "version": self.version + 1})


class BuyerFlag(Frozen):
    """The platform's risk system's latest word on a buyer: flagged (until `expires_at`, if any) or cleared.
    The latest by its own time (`at`: when flagged, or when cleared) wins, whatever order the words arrive in."""

    buyer_id: str
    flagged: bool
    at: Instant
    reason_code: str | None = None
    expires_at: Instant | None = None

    def active(self, now: datetime) -> bool:
        return self.flagged and (self.expires_at is None or now < self.expires_at)


class BuyerStanding(Frozen):
    """What a decision reads of its buyer: the counted automatic refunds and the risk flag, if any."""

    usage: BuyerUsage
    flag: BuyerFlag | None = None
