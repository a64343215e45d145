"""After a China day ends, each merchant's statement of it is checked against a recount of the stored refunds
(docs/operations.md, StatementRecountDisagreesAlarm): where they disagree the recount is taken (the difference is
added to the day's recount shard), and every checked day is marked final.

The recount sums the contribution to the day of every refund decided in the RECOUNT_LOOKBACK_DAYS before it or on
it (domain/statement_figures.py): a decision counts on its own day, a review's outcome and a payment result a few
days later at most (the review period is 48 hours). A refund whose review ended longer after its decision (an
escalated one that waited for ops) would be missed by the recount, and the day read as disagreeing: the alarm's
runbook says how to tell.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fastrefund.domain.clock import china_days_span
from fastrefund.domain.statement_figures import Figures, contribution
from fastrefund.logic.ports import Store
from fastrefund.platform.observability import logger

RECOUNT_LOOKBACK_DAYS = 14


@dataclass(frozen=True)
class DayChecked:
    merchants: int
    disagreeing: int  # merchants whose kept figures differed from the recount (the recount was taken)
    figures_corrected: int  # figures, over those merchants, that differed


def check_day(day: date, store: Store, now: datetime) -> DayChecked:
    """Check every merchant's statement of `day` (ended) against a recount, take the recount, mark it final."""
    merchants = sorted(store.statement.merchants_on(day))
    disagreeing = corrected = 0
    for merchant_id in merchants:
        correction = _correction(merchant_id, day, store)
        store.statement.settle(merchant_id, day, correction, now)
        if correction:
            disagreeing += 1
            corrected += len(correction)
            logger.error(
                "statement disagreed with its recount: the recount was taken",
                extra={"merchant_id": merchant_id, "day": day.isoformat(), "correction": dict(correction)},
            )
    return DayChecked(merchants=len(merchants), disagreeing=disagreeing, figures_corrected=corrected)


def _correction(merchant_id: str, day: date, store: Store) -> Figures:
    """What the merchant's kept figures of `day` lack (positive) or hold too much of (negative)."""
    decided = china_days_span(day - timedelta(days=RECOUNT_LOOKBACK_DAYS), day)
    recount: Figures = Counter()
    for refund in store.refund_lists.decided_between(merchant_id, *decided):
        recount.update(contribution(refund).get(day, Counter()))
    kept: Figures = Counter()
    for shard in store.statement.day_shards(merchant_id, day, day):
        kept.update(shard.figures)
    names = recount.keys() | kept.keys()
    return Counter({name: recount[name] - kept[name] for name in names if recount[name] != kept[name]})
