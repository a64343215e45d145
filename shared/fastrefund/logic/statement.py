"""The merchant's fast-refund statement (docs/contract.md): kept from the refunds table's stream, each change
counted once (repositories/statement_shards.py), and read as day shards summed, never by going through the merchant's
refunds at read time."""

from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, Field

from fastrefund.domain.clock import to_api
from fastrefund.domain.errors import Forbidden, MerchantNotFound
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.common import ChinaPeriod, Frozen
from fastrefund.domain.statement_figures import Figures
from fastrefund.logic.ports import StatementKeeping, Store
from fastrefund.logic.stream_publishing import ChangeReader
from fastrefund.platform.observability import logger

Count = Annotated[int, Field(ge=0)]


class Amount(Frozen):
    count: Count = 0
    amount_fen: Count = 0


class AutoRefunded(Frozen):
    platform: Amount
    merchant_policy: Amount


class ToReview(Frozen):
    count: Count
    amount_fen: Count
    by_reason: dict[str, int] = Field(description="requests sent to review, by each reason they gave")


class Approvals(Frozen):
    MERCHANT: Count = 0
    OPS: Count = 0
    REVIEW_TIMEOUT: Count = 0


class ReviewOutcomes(Frozen):
    approved: Approvals
    rejected: Count
    cancelled: Count
    approved_amount_fen: Count


class DailyLimit(Frozen):
    limit_fen: int | None = Field(description="the policy's daily limit that day (null: none, or no policy refund)")
    used_fen: Count = Field(description="what the merchant's policy auto-refunded that day")
    reached_at: AwareDatetime | None = Field(description="when the limit first held a request back that day")


class Parcels(Frozen):
    count: Count
    amount_fen: Count
    INTERCEPTED: Count
    RETURNED: Count
    LOST: Count
    open: Count
    lost_amount_fen: Count


class Payouts(Frozen):
    succeeded: Amount
    failed: Amount


class StatementFigures(Frozen):
    auto_refunded: AutoRefunded
    to_review: ToReview
    review_outcomes: ReviewOutcomes
    by_policy_rule: dict[str, Amount] = Field(
        description="the merchant policy's auto-refunds, by the rule that decided"
    )
    daily_limit: DailyLimit
    shipments_stopped: Count = Field(description="shipments refused because the order was refunded first")
    parcels_after_refund: Parcels
    payouts: Payouts = Field(description="the payment system's answers, on the day of the approval they pay")

    @classmethod
    def of(
        cls, figures: Figures, limit_fen: int | None = None, reached_at: datetime | None = None, **header: Any
    ) -> Self:
        """The figures in the statement's shape (`header`: a day's own fields, for a StatementDay)."""

        def amount(prefix: str) -> Amount:
            return Amount(count=figures[f"{prefix}.count"], amount_fen=figures[f"{prefix}.amount_fen"])

        def named(prefix: str) -> dict[str, int]:
            return {
                name.removeprefix(prefix): value for name, value in figures.items() if name.startswith(prefix) and value
            }

        rules = {name.rsplit(".", 1)[0] for name in named("by_policy_rule.")}
        parcel = {
            name: figures[f"parcels_after_refund.{name}"]
            for name in ("count", "amount_fen", "INTERCEPTED", "RETURNED", "LOST", "open", "lost_amount_fen")
        }
        return cls(
            auto_refunded=AutoRefunded(
                platform=amount("auto_refunded.platform"), merchant_policy=amount("auto_refunded.merchant_policy")
            ),
            to_review=ToReview(
                count=figures["to_review.count"],
                amount_fen=figures["to_review.amount_fen"],
                by_reason=named("to_review.by_reason."),
            ),
            review_outcomes=ReviewOutcomes(
                approved=Approvals(**named("review_outcomes.approved.")),
                rejected=figures["review_outcomes.rejected"],
                cancelled=figures["review_outcomes.cancelled"],
                approved_amount_fen=figures["review_outcomes.approved_amount_fen"],
            ),
            by_policy_rule={rule: amount(f"by_policy_rule.{rule}") for rule in sorted(rules)},
            daily_limit=DailyLimit(
                limit_fen=limit_fen,
                used_fen=figures["auto_refunded.merchant_policy.amount_fen"],
                reached_at=to_api(reached_at) if reached_at else None,
            ),
            shipments_stopped=figures["shipments_stopped"],
            parcels_after_refund=Parcels(**parcel),
            payouts=Payouts(succeeded=amount("payouts.succeeded"), failed=amount("payouts.failed")),
            **header,
        )


class DayHeader(Frozen):
    date: date
    final: bool = Field(description="checked against a recount of the stored refunds after the day ended")


class StatementDay(StatementFigures, DayHeader):
    """A day of the statement: its date first (pydantic lays out the fields of the last base first)."""


class Statement(Frozen):
    merchant_id: str
    first_day: date = Field(serialization_alias="from")
    last_day: date = Field(serialization_alias="to")
    as_of: AwareDatetime | None = Field(description="when the statement last took in a change (null: never)")
    days: list[StatementDay] = Field(description="every China day of the period, oldest first")
    totals: StatementFigures = Field(description="the same figures summed over the days")


def require_statement_reader(merchant_id: str, caller: Caller, store: Store) -> None:
    """The merchant's statement and its exports are for its merchant and erp callers and ops; another merchant's
    read as an unknown merchant's (never enrolled, no policy ever set: no fast refunds): not found."""
    if caller.role is Role.BUYER:
        raise Forbidden("a buyer has no statement", role=caller.role.value)
    if caller.role is not Role.OPS and caller.merchant_id != merchant_id:
        raise MerchantNotFound(merchant_id)
    settings = store.merchants.recent_settings(merchant_id)
    if settings.fast_refund_updated_at is None and settings.policy_updated_at is None:
        raise MerchantNotFound(merchant_id)


def get_statement(merchant_id: str, query: ChinaPeriod, caller: Caller, store: Store) -> Statement:
    require_statement_reader(merchant_id, caller, store)
    by_day: dict[date, Figures] = {}
    limits: dict[date, tuple[str, int | None]] = {}
    reached: dict[date, str] = {}
    applied: list[str] = []
    final: set[date] = set()
    for shard in store.statement.day_shards(merchant_id, query.first_day, query.last_day):
        if shard.final:
            final.add(shard.day)
        by_day.setdefault(shard.day, Counter()).update(shard.figures)
        # each shard keeps the limit of the latest policy version it saw, and the earliest moment the limit held
        # a request back: the day's are the latest and the earliest of its shards' (instants sort as text)
        if shard.limit[0] > limits.get(shard.day, ("", None))[0]:
            limits[shard.day] = shard.limit
        if shard.reached_at and (shard.day not in reached or shard.reached_at < reached[shard.day]):
            reached[shard.day] = shard.reached_at
        if shard.applied_at:
            applied.append(shard.applied_at)
    days = [
        StatementDay.of(
            by_day.get(day, Counter()),
            limits.get(day, ("", None))[1],
            datetime.fromisoformat(reached[day]) if day in reached else None,
            date=day,
            final=day in final,
        )
        for day in _days(query.first_day, query.last_day)
    ]
    summed: Figures = Counter()
    for figures in by_day.values():
        summed.update(figures)
    return Statement(
        merchant_id=merchant_id,
        first_day=query.first_day,
        last_day=query.last_day,
        as_of=to_api(datetime.fromisoformat(max(applied))) if applied else None,
        days=days,
        totals=StatementFigures.of(summed),
    )


def _days(first: date, last: date) -> Iterable[date]:
    return (first + timedelta(days=n) for n in range((last - first).days + 1))


COUNTING_IN_PARALLEL = 16  # refunds counted at once: each change is a read and a write, waiting on DynamoDB


def keep_statement(
    records: list[dict[str, Any]], read_change: ChangeReader, statement: StatementKeeping, now: datetime
) -> list[str]:
    """Count each stream record's change in the statement, once; the sequence numbers of the records that failed
    (delivered again: counting is idempotent). Different refunds are counted in parallel, each refund's changes
    in their order."""
    by_refund: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_refund.setdefault(str(record["dynamodb"]["NewImage"]["refund_id"]), []).append(record["dynamodb"])

    def count(changes: list[dict[str, Any]]) -> list[str]:
        failed = []
        for stream_record in changes:
            try:
                _, after = read_change(stream_record)
                statement.count(after, stream_record["SequenceNumber"], now)
            except Exception:
                logger.exception(
                    "change not counted in the statement", extra={"sequence": stream_record["SequenceNumber"]}
                )
                failed.append(stream_record["SequenceNumber"])
        return failed

    groups = list(by_refund.values())
    if len(groups) <= 1:
        return [sequence for group in groups for sequence in count(group)]
    with ThreadPoolExecutor(max_workers=min(COUNTING_IN_PARALLEL, len(groups))) as pool:
        return [sequence for failed in pool.map(count, groups) for sequence in failed]
