"""A buyer's recent automatic refunds: what the rules document's buyer limits are counted against."""

from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import Field

from fastrefund.domain.clock import Instant, china_day
from fastrefund.domain.models.common import Frozen

# The longest window the rules may ask about (rulebook.BuyerLimits.window_days). A buyer's usage is kept for this
# long whatever the rules say today, so that turning limits on, or widening the window, finds every refund in it.
LONGEST_WINDOW_DAYS = 366


class DayCount(Frozen):
    count: Annotated[int, Field(ge=0)] = 0
    amount_fen: Annotated[int, Field(ge=0)] = 0


class BuyerUsage(Frozen):
    """The buyer's automatic refunds, counted by China day (at most LONGEST_WINDOW_DAYS + 1 days kept: a few KB
    however many refunds), and the version of the stored record (0: none stored), on which the write that counts
    a new refund is conditioned.

    A window of N days ending now counts every refund of the China day on which it starts, whole: a refund
    leaves the window at the end of the China day N days after it. At the window's first day this can count a
    refund a few hours older than N days, never miss one: a buyer never passes a limit."""

    buyer_id: str
    days: dict[date, DayCount] = {}
    version: Annotated[int, Field(ge=0)] = 0

    def within(self, now: datetime, window_days: int) -> tuple[int, int]:
        """How many automatic refunds, and how many fen, in the window of `window_days` ending now."""
        first = china_day(now - timedelta(days=window_days))
        counted = [day for when, day in self.days.items() if when >= first]
        return sum(day.count for day in counted), sum(day.amount_fen for day in counted)

    def counting(self, amount_fen: int, now: datetime) -> "BuyerUsage":
        """The record with one more automatic refund, without the days no window can reach any more."""
        today, first_kept = china_day(now), china_day(now - timedelta(days=LONGEST_WINDOW_DAYS))
        kept = {when: day for when, day in self.days.items() if when >= first_kept}
        was = kept.get(today, DayCount())
        kept[today] = DayCount(count=was.count + 1, amount_fen=was.amount_fen + amount_fen)
        return self.model_copy(update={"days": kept, "version": self.version + 1})


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
