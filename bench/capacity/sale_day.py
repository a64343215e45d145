"""Part 4: the sale day of the contract: offered load, what holds and what throttles, the latency, and the Lambda
concurrency at the peak."""

import math
from dataclasses import dataclass

from bench.capacity.assumptions import MERCHANT_CALLS, PARTITION_WCU, ROUND_TRIP_MS, cpu_ms, vcpu
from bench.capacity.paths import Ceiling, warm_write_units
from devtools.catalogue.template import Template


@dataclass
class Load:
    label: str
    offered: float
    paths: list[str]
    latency: str


def sale_day(template: Template, ceilings: list[Ceiling], merchant_p99: dict[int, float]) -> list[tuple[Load, str]]:
    """The contract's sale day, each load against the ceilings of the paths it takes: what holds, the first
    limit of what does not, and the latency."""
    from fastrefund.repositories.refund_items import REVIEW_SHARDS

    by_path = {ceiling.path: ceiling for ceiling in ceilings}
    functions = template.functions
    sweep = by_path["review deadlines (ReviewSweeperFunction)"]
    republish = by_path["republish after an outage (ReconcilerFunction, per outbox)"].per_second
    api_ms = MERCHANT_CALLS * ROUND_TRIP_MS + cpu_ms("merchant refund, CPU ms") / vcpu(
        functions["OrdersApiFunction"].setting("MemorySize")
    )
    loads = [
        Load("one merchant, refunds a second (usage_counters 4)", 1000,
             ["one merchant's refunds: WorkbenchByMerchant", "one merchant's refunds: 4 usage counter(s)"],
             f"p99 {merchant_p99[4]:.0f} ms (simulated)"),
        Load("one merchant, refunds a second (1 counter, the default)", 1000,
             ["one merchant's refunds: WorkbenchByMerchant", "one merchant's refunds: 1 usage counter(s)"],
             f"p99 {merchant_p99[1]:.0f} ms (simulated: its counter's partition is full)"),
        Load("the platform's refund requests a second", 5000,
             ["API: refund request, platform route", "API: refund request, merchant route",
              "the platform's refunds: NoticesOwed", "the platform's refunds: PayoutsOwed",
              "the platform's refunds: RefundsTable, on demand", "the platform's refunds: OrdersTable, on demand",
              "stream: notices (NotifierFunction)", "stream: payout instructions (PayoutPublisherFunction)"],
             f"about {api_ms:.0f} ms a request; notices within the stream's batching window (1 s)"),
        Load("reviews due in one minute, a second", 100_000 / 60, ["review deadlines (ReviewSweeperFunction)"],
             f"the last decided {60 + 100_000 / REVIEW_SHARDS / (sweep.per_second / 65 * 60 / 40):.0f} s after"
             " its deadline at most (the contract: 120)"),
        Load("order events a second", 5000, ["order events (OrderEventsFunction)"],
             "within the queue's batching window (1 s) and one call"),
        Load("payment results a second", 5000, ["payment results (PaymentResultsFunction)"],
             "within the queue's batching window (1 s) and three calls"),
        Load("republish 360,000 owed per outbox within 30 min, a second", 360_000 / 1800,
             ["republish after an outage (ReconcilerFunction, per outbox)"],
             f"all out {360_000 / republish / 60:.0f} min after recovery (the contract: 30)"),
    ]  # fmt: skip
    rows = []
    for load in loads:
        tightest = min((by_path[name] for name in load.paths), key=lambda ceiling: ceiling.per_second)
        if load.offered <= tightest.per_second:
            rows.append((load, f"holds: {load.offered / tightest.per_second:.0%} of {tightest.path}"))
        else:
            rows.append((load, f"THROTTLES at {tightest.path}: {tightest.limit}"))
    return rows


def concurrency_at_peak(template: Template, ceilings: list[Ceiling]) -> dict[str, float]:
    """Each function's concurrent executions on the sale day's peak (5,000 requests, events and results a
    second, the deadline wave), against the account's concurrency."""
    functions = template.functions
    memory = functions["OrdersApiFunction"].setting("MemorySize")
    api_s = (MERCHANT_CALLS * ROUND_TRIP_MS + cpu_ms("merchant refund, CPU ms") / vcpu(memory)) / 1000
    refund_wcu = next(c for c in ceilings if c.path == "the platform's refunds: RefundsTable, on demand")
    shards = math.ceil(5000 / refund_wcu.per_second * warm_write_units(template, "RefundsTable") / PARTITION_WCU)
    return {
        "OrdersApiFunction": 5000 * api_s,
        "OrderEventsFunction": 5000 * (ROUND_TRIP_MS + 1.5) / 1000,
        "ReviewSweeperFunction": 65,
        "NotifierFunction": shards,
        "PayoutPublisherFunction": shards,
        "PaymentResultsFunction": 5000 * (3 * ROUND_TRIP_MS + 2) / 1000,
        "the reconcilers": 3,
    }
