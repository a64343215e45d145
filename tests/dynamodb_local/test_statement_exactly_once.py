"""The merchant's statement counts each change once, whatever the stream does (DynamoDB Local, its real stream):
decisions of 3 merchants over 2 China days, each stored and then changed (reviews ended, payouts answered,
parcels that left after the refund, shipments stopped), delivered as Lambda delivers the stream, with one batch
in ten delivered twice (the copy after later batches: out of order) and the consumer killed mid-batch again
and again. Every figure of every statement day equals a plain recount of the stored refunds written here.
600 decisions and 3 kills in `make test`; 10,000 and 20 in `make soak`."""

import csv
import io
import random
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest

from devtools.emulator.event_sources import StreamDelivery, read_stream
from devtools.factories import order, refund_of
from fastrefund.domain.clock import CHINA_TZ, china_day, utc_now
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.common import ChinaPeriod, Reason, Route
from fastrefund.domain.models.refund import (
    ParcelAfterRefund,
    ParcelOutcome,
    Payout,
    PayoutStatus,
    Refund,
    RefundStatus,
    Resolution,
    ResolvedBy,
)
from fastrefund.logic import statement
from fastrefund.logic.statement import keep_statement
from fastrefund.logic.statement_exports import ExportRun, run_export, start_export
from fastrefund.repositories import dynamo, refund_items
from fastrefund.repositories.refund_stream import change_of
from fastrefund.repositories.statement_shards import StatementRepository
from fastrefund.repositories.store import get_store
from tests.unit.fakes import InMemoryExportFiles

MERCHANTS = ("m-st-0", "m-st-1", "m-st-2")
REASONS = [Reason.AMOUNT_OVER_LIMIT, Reason.DAILY_LIMIT_REACHED, Reason.NO_FAST_REFUND_BADGE, Reason.BUYER_FLAGGED]


def life(rng: random.Random, n: int, day0) -> list[Refund]:
    """One request's states as stored one after the other: decided, then (for most) changed."""
    decided_at = day0 + timedelta(hours=rng.uniform(0, 47))  # two China days
    paid = order(
        order_id=f"o-st-{n}", merchant_id=MERCHANTS[n % 3], buyer_id=f"b-{n}",
        paid_amount_fen=rng.randrange(100, 60_000), paid_at=decided_at - timedelta(hours=1),
    )  # fmt: skip
    kind = rng.choice(["platform", "policy", "review", "review"])
    if kind == "review":
        first = refund_of(
            paid, route=None, status=RefundStatus.PENDING_REVIEW, refund_id=f"r-st-{n}", decided_at=decided_at,
            requested_at=decided_at, reasons=rng.sample(REASONS, rng.randint(1, 2)),
        )  # fmt: skip
        ended = rng.choice(["waiting", "approved", "rejected", "cancelled"])
        if ended == "waiting":
            return [first]
        resolved_at = decided_at + timedelta(hours=rng.uniform(0, 30))  # the next China day, often
        by = rng.choice([ResolvedBy.MERCHANT, ResolvedBy.OPS, ResolvedBy.REVIEW_TIMEOUT])
        status = {"approved": RefundStatus.APPROVED, "rejected": RefundStatus.REJECTED}.get(
            ended, RefundStatus.CANCELLED
        )
        resolution = Resolution(by=ResolvedBy.BUYER if ended == "cancelled" else by, at=resolved_at)
        later = first.model_copy(update={"status": status, "resolution": resolution, "review_deadline": None})
        if status is RefundStatus.APPROVED:
            later = later.model_copy(update={"payout": Payout(updated_at=resolved_at)})
    else:
        route = Route.PLATFORM_FAST_REFUND if kind == "platform" else Route.MERCHANT_AUTO_REFUND
        first = refund_of(paid, route=route, refund_id=f"r-st-{n}", decided_at=decided_at, requested_at=decided_at)
        first = first.model_copy(update={"payout": Payout(updated_at=decided_at)})
        if kind == "policy" and rng.random() < 0.5:
            first = first.model_copy(update={"policy_rule_id": rng.choice(["small-apparel", "up-to-300"])})
        later = first
    if later.payout is not None and rng.random() < 0.8:  # the payment system answered
        answer = rng.choice([PayoutStatus.SUCCEEDED] * 4 + [PayoutStatus.FAILED])
        later = later.model_copy(update={"payout": later.payout.model_copy(update={"status": answer})})
    if later.status.approved and rng.random() < 0.2:  # the parcel had left
        parcel = ParcelAfterRefund(
            carrier="SF", tracking_number=f"SF{n}", shipped_at=decided_at, recorded_at=decided_at,
            outcome=rng.choice([None, *ParcelOutcome]),
        )  # fmt: skip
        later = later.model_copy(update={"parcel_after_refund": parcel})
    if later.status.approved and rng.random() < 0.1:  # the merchant tried to ship it (twice, for some)
        stopped = {f"SF:{n}-{k}": decided_at for k in range(rng.randint(1, 2))}
        later = later.model_copy(update={"stopped_shipments": stopped})
    return [first] if later == first else [first, later]


def recount(refunds: list[Refund]) -> dict[tuple[str, str], dict[str, Any]]:
    """Each merchant's day, counted plainly from the refunds as finally stored, in the statement's own shape."""
    days: dict[tuple[str, str], dict[str, Any]] = defaultdict(empty_day)

    def day_of(refund: Refund, instant) -> dict[str, Any]:
        return days[(refund.merchant_id, instant.astimezone(CHINA_TZ).date().isoformat())]

    for refund in refunds:
        decided = day_of(refund, refund.decided_at)
        if refund.route is Route.PLATFORM_FAST_REFUND:
            add(decided["auto_refunded"]["platform"], refund.amount_fen)
        elif refund.route is Route.MERCHANT_AUTO_REFUND:
            add(decided["auto_refunded"]["merchant_policy"], refund.amount_fen)
            decided["daily_limit"]["used_fen"] += refund.amount_fen
            if refund.policy_rule_id:
                add(decided["by_policy_rule"].setdefault(refund.policy_rule_id, {"count": 0, "amount_fen": 0}),
                    refund.amount_fen)  # fmt: skip
        else:
            decided["to_review"]["count"] += 1
            decided["to_review"]["amount_fen"] += refund.amount_fen
            for reason in refund.reasons:
                decided["to_review"]["by_reason"][reason.value] = decided["to_review"]["by_reason"].get(reason, 0) + 1
        if refund.resolution is not None:
            outcomes = day_of(refund, refund.resolution.at)["review_outcomes"]
            if refund.status is RefundStatus.APPROVED:
                outcomes["approved"][refund.resolution.by.value] += 1
                outcomes["approved_amount_fen"] += refund.amount_fen
            elif refund.status is RefundStatus.REJECTED:
                outcomes["rejected"] += 1
            elif refund.status is RefundStatus.CANCELLED:
                outcomes["cancelled"] += 1
        if refund.payout is not None and refund.payout.status is not PayoutStatus.PENDING:
            approved_at = refund.decided_at if refund.route else refund.resolution.at  # type: ignore[union-attr]
            add(day_of(refund, approved_at)["payouts"][refund.payout.status.value.lower()], refund.amount_fen)
        decided["shipments_stopped"] += len(refund.stopped_shipments or {})
        if refund.parcel_after_refund is not None:
            parcels = decided["parcels_after_refund"]
            parcels["count"] += 1
            parcels["amount_fen"] += refund.amount_fen
            parcels[refund.parcel_after_refund.outcome.value if refund.parcel_after_refund.outcome else "open"] += 1
            if refund.parcel_after_refund.outcome is ParcelOutcome.LOST:
                parcels["lost_amount_fen"] += refund.amount_fen
    return days


def add(amount: dict[str, int], fen: int) -> None:
    amount["count"] += 1
    amount["amount_fen"] += fen


def empty_day() -> dict[str, Any]:
    def zero() -> dict[str, int]:
        return {"count": 0, "amount_fen": 0}

    return {
        "auto_refunded": {"platform": zero(), "merchant_policy": zero()},
        "to_review": {"count": 0, "amount_fen": 0, "by_reason": {}},
        "review_outcomes": {"approved": {"MERCHANT": 0, "OPS": 0, "REVIEW_TIMEOUT": 0}, "rejected": 0, "cancelled": 0,
                            "approved_amount_fen": 0},
        "by_policy_rule": {},
        "daily_limit": {"limit_fen": None, "used_fen": 0, "reached_at": None},
        "shipments_stopped": 0,
        "parcels_after_refund": {"count": 0, "amount_fen": 0, "INTERCEPTED": 0, "RETURNED": 0, "LOST": 0, "open": 0,
                                 "lost_amount_fen": 0},
        "payouts": {"succeeded": zero(), "failed": zero()},
    }  # fmt: skip


class Killed(BaseException):
    """The consumer's process dying: nothing of the invocation answers."""


class Killer:
    """Kills the consumer at chosen moments of its counting: before a change is counted, or after it was counted
    and before the batch could say so (the whole batch is delivered again either way)."""

    def __init__(self, real: StatementRepository, at_calls: set[int]) -> None:
        self.real, self.at_calls, self.calls, self.kills = real, at_calls, 0, 0

    def count(self, refund, sequence, at) -> bool:
        self.calls += 1
        if self.calls in self.at_calls:
            self.kills += 1
            if self.kills % 2:
                raise Killed("before counting")
            self.real.count(refund, sequence, at)
            raise Killed("after counting, before the batch's answer")
        return self.real.count(refund, sequence, at)


@pytest.mark.parametrize(
    ("decisions", "kills"), [pytest.param(600, 3), pytest.param(10_000, 20, marks=pytest.mark.soak)]
)
def test_every_statement_figure_equals_a_recount_whatever_the_stream_does(local_tables, decisions, kills):
    rng = random.Random(decisions)
    day0 = utc_now().astimezone(CHINA_TZ).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
    lives = [life(rng, n, day0) for n in range(decisions)]
    client, table = dynamo.client(), get_store().refunds.table_name
    for state in (state for states in lives for state in states):  # each refund stored, then changed
        client.put_item(TableName=table, Item=dynamo.encode(refund_items.to_item(state)))
    final = [states[-1] for states in lives]

    stream_arn = local_tables.resolve.attributes[("RefundsTable", "StreamArn")]
    records = read_stream(local_tables.client("dynamodbstreams"), stream_arn)
    batches = [records[start : start + 100] for start in range(0, len(records), 100)]
    # one batch in ten delivered again, after later ones (Lambda may repeat a batch; here also out of order)
    repeated = rng.sample(range(len(batches)), max(1, len(batches) // 10))
    deliveries = list(batches)
    for index in repeated:
        deliveries.insert(min(len(deliveries), index + rng.randint(2, 6)), batches[index])
    killer = Killer(get_store().statement, set(rng.sample(range(1, len(records)), kills)))

    def consumer(event: dict) -> dict:
        """The statement's consumer as Lambda runs it: a kill fails the whole batch, delivered again."""
        try:
            failed = keep_statement(event["Records"], change_of, killer, utc_now())
        except Killed:
            failed = [record["dynamodb"]["SequenceNumber"] for record in event["Records"]]
        return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}

    delivery = StreamDelivery(consumer, batch_size=100)
    for batch in deliveries:
        delivery.deliver(batch)

    assert killer.kills == kills and not delivery.given_up
    expected = recount(final)
    ops = Caller(sub="ops-1", role=Role.OPS)
    for merchant_id in MERCHANTS:  # known merchants: enrolled
        get_store().merchants.set_fast_refund_service(merchant_id, True, day0 - timedelta(days=30))
        first, last = china_day(day0), china_day(day0) + timedelta(days=3)
        kept = statement.get_statement(merchant_id, ChinaPeriod(first_day=first, last_day=last), ops, get_store())
        for day in kept.days:
            shown = day.model_dump(mode="json", exclude={"date", "final"})
            shown["daily_limit"] |= {"limit_fen": None, "reached_at": None}  # registers: tested on their own
            assert shown == expected.get((merchant_id, day.date.isoformat()), empty_day()), (merchant_id, day.date)
    exported = export_sums(day0, decisions)
    for merchant_id in MERCHANTS:
        for day, routes in exported[merchant_id].items():
            figures = expected[(merchant_id, day)]
            assert routes == {
                "PLATFORM_FAST_REFUND": figures["auto_refunded"]["platform"]["amount_fen"],
                "MERCHANT_AUTO_REFUND": figures["auto_refunded"]["merchant_policy"]["amount_fen"],
                "": figures["to_review"]["amount_fen"],
            }, (merchant_id, day)
    print(
        f"\n{decisions:,} decisions, {len(records):,} stream records in {len(batches)} batches, {len(repeated)}"
        f" delivered twice out of order, {killer.kills} kills, {delivery.invocations} invocations: every figure"
        f" of {len(MERCHANTS) * 4} statement days equals the recount"
    )


def export_sums(day0, decisions: int) -> dict[str, dict[str, dict[str, int]]]:
    """Each merchant's export of the four days, made as the background run makes it (the file kept in memory):
    its amounts summed per China day and route (an empty route: sent to review)."""
    sums: dict[str, dict[str, dict[str, int]]] = {}
    started = time.perf_counter()
    rows = 0
    for merchant_id in MERCHANTS:
        caller = Caller(sub="u-st", role=Role.MERCHANT, merchant_id=merchant_id)
        period = ChinaPeriod(first_day=china_day(day0), last_day=china_day(day0) + timedelta(days=3))
        export = start_export(merchant_id, period, caller, get_store(), utc_now())
        files = InMemoryExportFiles()
        made = run_export(ExportRun(merchant_id=merchant_id, export_id=export.export_id), get_store(), files, utc_now())
        assert made is not None and made.object_key is not None
        by_day: dict[str, dict[str, int]] = defaultdict(
            lambda: {"PLATFORM_FAST_REFUND": 0, "MERCHANT_AUTO_REFUND": 0, "": 0}
        )
        for row in csv.DictReader(io.StringIO(files.files[made.object_key].decode("utf-8"))):
            by_day[row["china_day"]][row["route"]] += int(row["amount_fen"])
            rows += 1
        sums[merchant_id] = dict(by_day)
    print(f"\nexports of {rows:,} refunds ({decisions:,} decided) written in {time.perf_counter() - started:.1f} s")
    return sums
