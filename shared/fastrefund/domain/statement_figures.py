"""The merchant's fast-refund statement: what fast refunds cost a merchant, China day by China day.

Each refund request contributes figures (counts and fen) to one or a few of its merchant's days, as its state now
says: a decision counts on the day it was made, a review's outcome on the day of its resolution, a payout on the
day of the approval it pays, a parcel that left after the refund and a shipment stopped on the day the refund
was decided. A statement is the sum of its refunds' contributions, so it can be kept by adding each change's
difference (new contribution minus the one counted before) and recounted from the stored refunds alike. Pure.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from fastrefund.domain.clock import china_day
from fastrefund.domain.models.common import Route
from fastrefund.domain.models.refund import PayoutStatus, Refund, RefundStatus

Figures = Counter[str]  # a figure's name -> its count or fen; the names are the statement's, flattened


@dataclass(frozen=True)
class DayShard:
    """What one shard of a merchant's statement holds of one day: its sums, and its registers (the daily limit in
    force, as (policy version, fen); the first moment it held a request back; when the shard last took a change)."""

    day: date
    figures: Figures
    limit: tuple[str, int | None]
    reached_at: str | None
    applied_at: str | None
    final: bool = False  # the day's recount shard: the day was checked against a recount after it ended


def contribution(refund: Refund) -> dict[date, Figures]:
    """What the request, as it stands, counts on each day of its merchant's statement (days with nothing left out)."""
    days: dict[date, Figures] = {}

    def on(day: date) -> Figures:
        return days.setdefault(day, Counter())

    amount = refund.amount_fen
    decided = on(china_day(refund.decided_at))
    if refund.route is not None:
        route = "platform" if refund.route is Route.PLATFORM_FAST_REFUND else "merchant_policy"
        decided[f"auto_refunded.{route}.count"] += 1
        decided[f"auto_refunded.{route}.amount_fen"] += amount
        if refund.route is Route.MERCHANT_AUTO_REFUND and refund.policy_rule_id is not None:
            decided[f"by_policy_rule.{refund.policy_rule_id}.count"] += 1
            decided[f"by_policy_rule.{refund.policy_rule_id}.amount_fen"] += amount
    else:
        decided["to_review.count"] += 1
        decided["to_review.amount_fen"] += amount
        for reason in refund.reasons:
            decided[f"to_review.by_reason.{reason}"] += 1
    resolution = refund.resolution
    if resolution is not None and refund.status is not RefundStatus.PENDING_REVIEW:
        resolved = on(china_day(resolution.at))
        if refund.status is RefundStatus.APPROVED:
            resolved[f"review_outcomes.approved.{resolution.by}"] += 1
            resolved["review_outcomes.approved_amount_fen"] += amount
        elif refund.status is RefundStatus.REJECTED:
            resolved["review_outcomes.rejected"] += 1
        elif refund.status is RefundStatus.CANCELLED:
            resolved["review_outcomes.cancelled"] += 1
    payout = refund.payout
    if payout is not None and refund.status.approved and payout.status is not PayoutStatus.PENDING:
        approved_on = refund.decided_at if refund.route is not None or resolution is None else resolution.at
        outcome = "succeeded" if payout.status is PayoutStatus.SUCCEEDED else "failed"
        on(china_day(approved_on))[f"payouts.{outcome}.count"] += 1
        on(china_day(approved_on))[f"payouts.{outcome}.amount_fen"] += amount
    if refund.stopped_shipments:
        decided["shipments_stopped"] += len(refund.stopped_shipments)
    parcel = refund.parcel_after_refund
    if parcel is not None:
        decided["parcels_after_refund.count"] += 1
        decided["parcels_after_refund.amount_fen"] += amount
        decided[f"parcels_after_refund.{parcel.outcome or 'open'}"] += 1
        if parcel.outcome == "LOST":
            decided["parcels_after_refund.lost_amount_fen"] += amount
    return {day: figures for day, figures in days.items() if +figures}


def difference(before: dict[date, Figures], after: dict[date, Figures]) -> dict[date, Figures]:
    """`after` minus `before`, day by day and figure by figure (what a change adds to the statement), without
    the figures that did not change."""
    changed: dict[date, Figures] = {}
    for day in before.keys() | after.keys():
        old, new = before.get(day, Counter()), after.get(day, Counter())
        delta = Counter({name: new[name] - old[name] for name in old.keys() | new.keys() if new[name] != old[name]})
        if delta:
            changed[day] = delta
    return changed


def total(contributions: list[dict[date, Figures]]) -> dict[date, Figures]:
    """The sum of contributions: a statement recounted."""
    summed: dict[date, Figures] = {}
    for days in contributions:
        for day, figures in days.items():
            summed.setdefault(day, Counter()).update(figures)
    return summed
