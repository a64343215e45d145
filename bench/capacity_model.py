"""A capacity model of the whole deployed service, for what this machine cannot run: DynamoDB's partitions and
thousands of Lambdas at once.

    make bench        (or: .venv/bin/python -m bench.capacity_model)

It reads template.yaml (the tables' keys and each index's key and projection, the functions' memory, timeouts
and reserved concurrency, the event sources' batch sizes and maximum concurrency), the key spreads the code
gives the indexes, the sizes of the items the code writes (a refund with its decision inputs, encoded as the
repositories store it), and the per-call costs `make bench` measures on this machine (MEASURED below). It
prints:

1. The write units one merchant-route refund costs over its life (the commit, the notice's and the payout's
   confirmations, the payment result), per table and index, and the partitions one merchant's refunds land
   in; for the index this release replaced too.
2. One merchant at 100 / 300 / 1,000 / 3,000 limit-checked refunds a second, simulated (bench/
   hot_merchant_model.py's engine: each hot partition a queue of write units): the index partitions and
   the usage counters, old and new.
3. Each path of the service: its ceiling and the first limit it meets.
4. The sale day of the contract as a table: offered load, what holds and what throttles, the latency.

Assumptions, each from the AWS document named:
- A partition (an index partition too) takes 1,000 write units and 3,000 read units a second; a write to an
  item is also a write to every index whose key it has and whose projected attributes it changes, and an
  index partition that cannot keep up throttles the table's writes ("Partitions and data distribution";
  "Global secondary indexes: provisioned throughput considerations", write capacity).
- A write unit is 1 KB of item (rounded up); a transaction costs 2 per item; an index write is a standard
  write of the projected item; a key removed or added is one write, a key changed two ("Item sizes and
  formats"; "Capacity management for transactions"; the same GSI page).
- A Lambda's CPU is proportional to its memory, one vCPU at 1,769 MB ("Configuring Lambda function memory").
- A DynamoDB stream has about one shard per table partition; Lambda reads each shard with one invocation at
  a time (ParallelizationFactor 1, the template's) ("DynamoDB Streams and Lambda triggers"; "Using Lambda
  with DynamoDB", parallelization factor).
- An SQS event source runs at most its MaximumConcurrency ("Scaling for SQS event sources").
- The account's Lambda concurrency is 1,000 unless raised; API Gateway's account throttle 10,000 requests a
  second per region ("Lambda quotas"; "Amazon API Gateway quotas").
- An on-demand table serves up to double its previous peak at once; a new one 4,000 write units a second;
  more needs its warm throughput raised before the day ("On-demand capacity mode"; "Warm throughput").
- A call to DynamoDB or SNS in a region: ROUND_TRIP_MS (as bench/sale_day.py adds to each local call).
"""

import math
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench import hot_merchant_model as hot
from bench import measurements
from devtools.catalogue.template import Template

PARTITION_WCU = 1000
PARTITION_RCU = 3000
KB = 1024
VCPU_MB = 1769
ACCOUNT_CONCURRENCY = 1000
API_GATEWAY_RPS = 10_000
NEW_TABLE_WCU = 4000
ROUND_TRIP_MS = 10
SNS_CALL_MS = 20
MERCHANT_CALLS = 3  # a merchant-route refund: the order with the buyer's standing, the reservation, the commit
ORDER_WRITES = [1, 2]  # an order's ORDER_PAID (1 KB or less) and its refund's commit (a transaction's 2)

# Measured on this machine by `make bench`, which records each figure in bench/measurements.json as it runs
MEASURED = measurements.load()


def cpu_ms(name: str) -> float:
    return MEASURED[name][0]


def vcpu(memory_mb: int) -> float:
    return min(memory_mb / VCPU_MB, 1.0)  # the service's code is single-threaded CPU; more vCPUs do not help it


# ---------------------------------------------------------------- item sizes and index writes


def item_size(value: Any, name: str = "") -> int:
    """DynamoDB's size of an attribute ("Item sizes and formats"): its name, and its value."""
    if isinstance(value, bool) or value is None:
        size = 1
    elif isinstance(value, int | float):
        size = 1 + math.ceil(len(str(abs(value)).replace(".", "").lstrip("0") or "0") / 2)
    elif isinstance(value, str):
        size = len(value.encode())
    elif isinstance(value, dict):
        size = 3 + sum(1 + item_size(inner, key) for key, inner in value.items())
    else:  # a list
        size = 3 + sum(1 + item_size(inner) for inner in value)
    return len(name.encode()) + size


def sample_refund_life() -> list[tuple[str, bool, dict[str, Any]]]:
    """A merchant-route refund's item after each write of its life: (write, transactional, the item)."""
    from devtools.factories import order, policy, refund_of, usage
    from fastrefund.domain.clock import utc_now
    from fastrefund.domain.models.common import Route
    from fastrefund.domain.models.refund import Payout, PayoutStatus
    from fastrefund.domain.notices import NOTICES, PAYOUTS
    from fastrefund.repositories import refund_items
    from fastrefund.repositories.owed_messages import mark_attributes

    now = utc_now()
    paid = order(order_id="o-20261206-000123456789", paid_at=now - timedelta(minutes=5), paid_amount_fen=45000)
    refund = refund_of(paid, route=Route.MERCHANT_AUTO_REFUND, refund_id="r-6f1c2b9e4d7a4e0b8c3f1a2b", decided_at=now)
    refund = refund.model_copy(
        update={
            "buyer_reason": "ordered the wrong size",
            "payout": Payout(updated_at=now),
            "inputs": refund.inputs.model_copy(
                update={"policy": policy(), "usage_before": usage(120000, 12), "usage_counter": 0}
            ),
        }
    )
    committed = refund_items.to_item(refund)
    notice_confirmed = {k: v for k, v in committed.items() if k not in mark_attributes(NOTICES)}
    payout_confirmed = {k: v for k, v in notice_confirmed.items() if k not in mark_attributes(PAYOUTS)}
    paid_out = payout_confirmed | {"payout": payout_confirmed["payout"] | {"status": PayoutStatus.SUCCEEDED.value}}
    return [
        ("commit", True, committed),
        ("notice confirmed", False, notice_confirmed),
        ("payout confirmed", False, payout_confirmed),
        ("payment result", False, paid_out),
    ]


@dataclass(frozen=True)
class Index:
    name: str
    hash_key: str
    range_key: str | None
    projection: str
    included: tuple[str, ...]
    spread: str  # how one merchant's items spread over its partition key values

    def keys(self, table_keys: tuple[str, ...]) -> set[str]:
        return {self.hash_key, *([self.range_key] if self.range_key else []), *table_keys}

    def projected(self, item: dict[str, Any], table_keys: tuple[str, ...]) -> dict[str, Any] | None:
        if self.hash_key not in item or (self.range_key and self.range_key not in item):
            return None
        if self.projection == "ALL":
            return item
        wanted = self.keys(table_keys) | (set(self.included) if self.projection == "INCLUDE" else set())
        return {name: value for name, value in item.items() if name in wanted}

    def write_units(self, before: dict[str, Any] | None, after: dict[str, Any], table_keys: tuple[str, ...]) -> int:
        """The index's write units for one write of the table's item (before -> after)."""
        old = self.projected(before, table_keys) if before else None
        new = self.projected(after, table_keys)
        if old == new:
            return 0
        if old is None or new is None:  # the item enters the index, or leaves it
            return units(old or new or {})
        moved = old[self.hash_key] != new[self.hash_key] or (
            self.range_key and old[self.range_key] != new[self.range_key]
        )
        return units(old) + units(new) if moved else units(new)


def item_size_of(item: dict[str, Any]) -> int:
    """An item's size as stored: dynamo.encode leaves out its top-level attributes that are None."""
    return sum(item_size(value, name) for name, value in item.items() if value is not None)


def units(item: dict[str, Any]) -> int:
    """A standard write's units: 1 per KB of the item, rounded up."""
    return math.ceil(item_size_of(item) / KB)


def refunds_indexes(template: Template) -> list[Index]:
    from fastrefund.repositories.owed_messages import OWED_SHARDS
    from fastrefund.repositories.refund_items import REVIEW_SHARDS, WORKBENCH_SPREADS

    spreads = {
        "WorkbenchByMerchant": f"{WORKBENCH_SPREADS} per merchant",
        "ReviewsDue": f"{REVIEW_SHARDS} for every merchant",
        "NoticesOwed": f"{OWED_SHARDS} for every merchant",
        "PayoutsOwed": f"{OWED_SHARDS} for every merchant",
        "ByRefundId": "one per refund",
        "ByBuyer": "one per buyer",
        "Escalated": "1 for the platform (a request a buyer's guard held, at its deadline)",
    }
    indexes = []
    for spec in template.resources["RefundsTable"]["Properties"]["GlobalSecondaryIndexes"]:
        keys = {key["KeyType"]: key["AttributeName"] for key in spec["KeySchema"]}
        projection = spec["Projection"]
        indexes.append(
            Index(
                spec["IndexName"], keys["HASH"], keys.get("RANGE"), projection["ProjectionType"],
                tuple(projection.get("NonKeyAttributes", ())), spreads.get(spec["IndexName"], "?"),
            )
        )  # fmt: skip
    return indexes


# The index this release replaced (its template block, before): one partition per merchant, every attribute
REPLACED_INDEX = Index("ByMerchantDecidedAt", "merchant_id", "decided_at", "ALL", (), "1 per merchant")


def life_costs(indexes: list[Index]) -> dict[str, list[int]]:
    """Write units per write of a merchant-route refund's life, for the table and each index."""
    life = sample_refund_life()
    table_keys = ("order_id", "refund_id")
    costs: dict[str, list[int]] = {"RefundsTable": []}
    before = None
    for _, transactional, item in life:
        costs["RefundsTable"].append(units(item) * (2 if transactional else 1))
        for index in indexes:
            costs.setdefault(index.name, []).append(index.write_units(before, item, table_keys))
        before = item
    return costs


# ---------------------------------------------------------------- one merchant, simulated


class Partitions(hot.Engine):
    """hot_merchant_model's engine with a cost per item: a write is [(item, write units), ...]. An index
    partition ("index-...") takes the write units of the items it copies, and throttles their writes when
    behind, but is no item of a transaction: nothing holds it."""

    def _write(self, items: Any, wcu: int, hold: float) -> str:
        costs = dict(items) if items and isinstance(items[0], tuple) else {item: wcu for item in items}
        held = [item for item in costs if not item.startswith("index-")]
        if any(self.held_until.get(item, 0) > self.now for item in held):
            return "conflict"
        if any(self.busy_until.get(item, 0) > self.now + hot.BURST_MS for item in costs):
            return "throttled"
        for item, units in costs.items():
            self.busy_until[item] = max(self.busy_until.get(item, 0), self.now) + units  # 1 WCU = 1 ms
        for item in held if hold else []:
            self.held_until[item] = self.now + hold
        return "ok"


def merchant_refund(counters: int, index_units: list[int], index_partitions: int) -> Callable[..., Any]:
    """The merchant route: read the order, reserve on one of the day's counters, commit (its index write
    lands on one of the merchant's index partitions); later, the writes of the refund's life that reach the
    index (the confirmations about a second after, the payment result a few seconds after) land there too."""
    follow_ups = [(units, delay) for units, delay in zip(index_units[1:], (800, 900, 5000), strict=True) if units]

    def later(engine: hot.Engine, partition: str, units: int) -> hot.Step:
        outcome = yield from hot.call(engine, [(partition, units)], wcu=units, transaction=False)
        if outcome != "ok":
            engine.counts["later write failed"] += 1

    def flow(engine: hot.Engine, n: int, latencies: list[float]) -> hot.Step:
        started = engine.now
        yield ("wait", hot.round_trip(engine))
        counter = f"usage-counter-{engine.rng.randrange(counters)}"
        if (yield from hot.call(engine, [(counter, 1)], wcu=1, transaction=False)) != "ok":
            engine.counts["503"] += 1
            return
        partition = f"index-{engine.rng.randrange(index_partitions)}"
        engine.counts["transactions"] += 1
        items = [(f"order-{n}", 2), (f"refund-{n}", 2), (partition, index_units[0])]
        if (yield from hot.call(engine, items, wcu=2, transaction=True)) != "ok":
            engine.counts["503"] += 1
            return
        latencies.append(engine.now - started)
        for units, delay in follow_ups:
            engine.start(later(engine, partition, units), engine.now + delay + engine.rng.uniform(0, 200))

    return flow


def simulate_merchant(flow: Callable[..., Any], offered: int) -> dict[str, float]:
    engine, latencies = Partitions(random.Random(7)), []
    at, n = 0.0, 0
    while True:
        at += engine.rng.expovariate(offered / 1000)
        if at > hot.SIMULATED_MS:
            break
        engine.start(flow(engine, n, latencies), at)
        n += 1
    engine.run()
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 100 else max(latencies, default=0)
    return {
        "done": len(latencies) / (hot.SIMULATED_MS / 1000),
        "failed": engine.counts["503"] / max(n, 1),
        "throttled": engine.counts["throttled"],
        "later failed": engine.counts["later write failed"],
        "p99": p99,
    }


# ---------------------------------------------------------------- the paths


@dataclass
class Ceiling:
    path: str
    per_second: float
    limit: str


def paths(template: Template, costs: dict[str, list[int]]) -> list[Ceiling]:
    from fastrefund.logic.reconciliation import PUBLISH_BATCH
    from fastrefund.logic.review_deadlines import PAGE
    from fastrefund.logic.stream_publishing import CONFIRMING_IN_PARALLEL
    from fastrefund.repositories.owed_messages import OWED_SHARDS
    from fastrefund.repositories.refund_items import REVIEW_PARTITIONS, REVIEW_SHARDS

    functions = template.functions
    ceilings = []

    def api(path: str, function: str, cpu: str, calls: int) -> None:
        duration_s = (calls * ROUND_TRIP_MS + cpu_ms(cpu) / vcpu(functions[function].setting("MemorySize"))) / 1000
        by_concurrency = ACCOUNT_CONCURRENCY / duration_s
        limit = f"the account's {ACCOUNT_CONCURRENCY} concurrent Lambdas at {duration_s * 1000:.0f} ms a request"
        if by_concurrency > API_GATEWAY_RPS:
            by_concurrency, limit = API_GATEWAY_RPS, "API Gateway's account throttle"
        ceilings.append(Ceiling(path, by_concurrency, limit))

    # The calls one after another (docs/design.md): the order with the buyer's standing, then the commit (the
    # merchant route reserves before it); the buyer's dry run reads the merchant's day instead of committing
    api("API: refund request, platform route", "OrdersApiFunction", "platform refund, CPU ms", MERCHANT_CALLS - 1)
    api("API: refund request, merchant route", "OrdersApiFunction", "merchant refund, CPU ms", MERCHANT_CALLS)
    api("API: eligibility (dry run)", "OrdersApiFunction", "eligibility, CPU ms", MERCHANT_CALLS - 1)

    merchant_units = {name: units for name, units in costs.items() if merchant_partitions(name)}
    for name, units in merchant_units.items():
        spreads = merchant_partitions(name)
        ceilings.append(
            Ceiling(
                f"one merchant's refunds: {name}",
                PARTITION_WCU * spreads / sum(units),
                f"{spreads} partition(s) x {PARTITION_WCU} WCU / {sum(units)} WCU a refund",
            )
        )
    for counters in (1, 4):  # the policy's usage_counters: 1 by default, 4 for a merchant that expects a wave
        ceilings.append(
            Ceiling(
                f"one merchant's refunds: {counters} usage counter(s)",
                PARTITION_WCU * counters,
                f"{counters} partition(s) x {PARTITION_WCU} WCU / 1 WCU a reservation",
            )
        )
    for name in ("NoticesOwed", "PayoutsOwed"):
        per_refund = sum(costs[name])
        ceilings.append(
            Ceiling(
                f"the platform's refunds: {name}",
                PARTITION_WCU * OWED_SHARDS / per_refund,
                f"{OWED_SHARDS} partitions x {PARTITION_WCU} WCU / {per_refund} WCU a refund",
            )
        )
    ceilings.append(
        Ceiling(
            "the platform's requests sent to review: ReviewsDue",
            PARTITION_WCU * REVIEW_SHARDS / 2,
            f"{REVIEW_SHARDS} partitions x {PARTITION_WCU} WCU / 2 (in, and out when decided)",
        )
    )
    # The tables, on demand: what they serve at once (warm throughput, prod's), per refund's write units
    refund_table_wcu = sum(costs["RefundsTable"])
    for table, per_refund in (("RefundsTable", refund_table_wcu), ("OrdersTable", sum(ORDER_WRITES))):
        warm = warm_write_units(template, table)
        ceilings.append(
            Ceiling(
                f"the platform's refunds: {table}, on demand",
                warm / per_refund,
                f"{'its warm throughput' if warm > NEW_TABLE_WCU else 'a new table'}: {warm:,} WCU / {per_refund}"
                " WCU a refund",
            )
        )

    # The stream publishers: one invocation at a time per shard, about one shard per table partition; a busy
    # partition's shard carries at most the refunds its partition takes
    per_partition = PARTITION_WCU / refund_table_wcu
    for function, label in (("NotifierFunction", "notices"), ("PayoutPublisherFunction", "payout instructions")):
        spec = functions[function]
        [source] = [event["Properties"] for event in spec.events.values() if event["Type"] == "DynamoDB"]
        batch, parallel = source["BatchSize"], source.get("ParallelizationFactor", 1)
        cpu_s = batch * cpu_ms("message published, CPU ms") / vcpu(spec.setting("MemorySize")) / 1000
        network_s = (batch / PUBLISH_BATCH * SNS_CALL_MS + batch / CONFIRMING_IN_PARALLEL * ROUND_TRIP_MS) / 1000
        per_shard = parallel * batch / (cpu_s + network_s)
        shards = spec.setting("ReservedConcurrentExecutions") or ACCOUNT_CONCURRENCY
        if per_shard < per_partition:
            ceiling, limit = shards * per_shard, f"a shard's invocation: {per_shard:.0f} a second"
        else:
            ceiling, limit = shards * per_partition, f"reserved concurrency {shards}: shards read at once"
        ceilings.append(
            Ceiling(
                f"stream: {label} ({function})",
                ceiling,
                f"{limit} (a batch of {batch}: {cpu_s * 1000:.0f} ms CPU + {network_s * 1000:.0f} ms calls; a"
                f" busy partition's shard carries {per_partition:.0f} refunds a second)",
            )
        )

    sweeper = functions["ReviewSweeperFunction"]
    [sweep_source] = [event["Properties"] for event in sweeper.events.values() if event["Type"] == "SQS"]
    per_sweeper = vcpu(sweeper.setting("MemorySize")) * 1000 / cpu_ms("review decision, CPU ms")
    sweepers = min(len(REVIEW_PARTITIONS), sweep_source["ScalingConfig"]["MaximumConcurrency"])
    budget_s = sweeper.setting("Timeout") - 15
    ceilings.append(
        Ceiling(
            "review deadlines (ReviewSweeperFunction)",
            sweepers * per_sweeper * budget_s / 60,
            f"{sweepers} sweepers x {per_sweeper:.0f} decisions a second (CPU) x {budget_s} s a minute"
            f" (pages of {PAGE})",
        )
    )

    def queue_consumer(path: str, function: str, work: str, per_message_ms: float) -> None:
        """A queue's consumer: MaximumConcurrency invocations, each taking its messages one after another."""
        [source] = [event["Properties"] for event in functions[function].events.values() if event["Type"] == "SQS"]
        concurrency = source["ScalingConfig"]["MaximumConcurrency"]
        limit = f"MaximumConcurrency {concurrency} x {work} ({per_message_ms} ms) a message"
        ceilings.append(Ceiling(f"{path} ({function})", concurrency * 1000 / per_message_ms, limit))

    queue_consumer("order events", "OrderEventsFunction", "one UpdateItem", ROUND_TRIP_MS + 1.5)
    queue_consumer("payment results", "PaymentResultsFunction", "3 calls", 3 * ROUND_TRIP_MS + 2)
    republisher = functions["ReconcilerFunction"]
    per_outbox = vcpu(republisher.setting("MemorySize")) * 1000 / cpu_ms("message published, CPU ms")
    ceilings.append(
        Ceiling(
            "republish after an outage (ReconcilerFunction, per outbox)",
            per_outbox,
            f"CPU: {cpu_ms('message published, CPU ms')} ms a message at {republisher.setting('MemorySize')} MB",
        )
    )
    return ceilings


def warm_write_units(template: Template, table: str) -> int:
    """What the table serves at once: its warm throughput where the template sets one, else a new table's."""
    warm = template.resources[table]["Properties"].get("WarmThroughput")
    if isinstance(warm, dict) and "Fn::If" in warm:
        condition, when_true, when_false = warm["Fn::If"]
        warm = when_true if template.condition(condition) else when_false
    if isinstance(warm, dict) and "WriteUnitsPerSecond" in warm:
        return int(warm["WriteUnitsPerSecond"])
    return NEW_TABLE_WCU


def merchant_partitions(name: str) -> int | None:
    from fastrefund.repositories.refund_items import WORKBENCH_SPREADS

    return {"WorkbenchByMerchant": WORKBENCH_SPREADS, REPLACED_INDEX.name: 1}.get(name)


# ---------------------------------------------------------------- the sale day


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


def report(template: Template) -> str:
    """The model's whole output for `template` (docs/capacity.md quotes it, held by a test)."""
    lines: list[str] = []
    line = lines.append
    indexes = refunds_indexes(template)
    new = life_costs(indexes)
    old = life_costs([REPLACED_INDEX, *[index for index in indexes if index.name != "WorkbenchByMerchant"]])
    writes = [write for write, _, _ in sample_refund_life()]
    line("A capacity model of the deployed service (bench/capacity_model.py: assumptions and their AWS documents)")
    line(f"\n1. Write units of one merchant-route refund's life ({', '.join(writes)}):")
    rows = {f"{REPLACED_INDEX.name} (before)": old[REPLACED_INDEX.name], **new}
    for name, costs in rows.items():
        spread = next(
            (index.spread for index in [REPLACED_INDEX, *indexes] if name.startswith(index.name)), "one per order"
        )
        line(f"  {name:32} {' + '.join(map(str, costs)):>16} = {sum(costs):>2}   partitions: {spread}")
    for name, costs, spread in (
        ("OrdersTable", ORDER_WRITES, "one per order (its payment, then the commit)"),
        ("PolicyUsageTable", [1], "the policy's usage_counters per merchant (the reservation)"),
        (
            "BuyersTable",
            [2, 2],
            "one per buyer (in the commit: the flag's check, and the buyer's usage counted, a count a China day)",
        ),
    ):
        line(f"  {name:32} {' + '.join(map(str, costs)):>16} = {sum(costs):>2}   partitions: {spread}")

    line("\n2. One merchant's limit-checked refunds, simulated (10 s at each load; p99 of the answered, ms):")
    line(f"  {'offered/s':>9}  {'design':44} {'done/s':>7} {'503s':>6} {'later writes failed':>19} {'p99':>6}")
    from fastrefund.repositories.refund_items import WORKBENCH_SPREADS

    designs = {
        f"before: {REPLACED_INDEX.name}, 1 counter": merchant_refund(1, old[REPLACED_INDEX.name], 1),
        "now: WorkbenchByMerchant, 1 counter": merchant_refund(1, new["WorkbenchByMerchant"], WORKBENCH_SPREADS),
        "now: WorkbenchByMerchant, 4 counters": merchant_refund(4, new["WorkbenchByMerchant"], WORKBENCH_SPREADS),
    }
    merchant_p99 = {}
    for load in (100, 300, 1000, 3000):
        for name, flow in designs.items():
            result = simulate_merchant(flow, load)
            if load == 1000 and name.startswith("now"):
                merchant_p99[4 if "4 counters" in name else 1] = result["p99"]
            line(
                f"  {load:>9}  {name:44} {result['done']:>7.0f} {result['failed']:>6.1%}"
                f" {result['later failed']:>19.0f} {result['p99']:>6.0f}"
            )

    ceilings = paths(template, new)
    line("\n3. Each path's ceiling (a second) and the first limit it meets:")
    for ceiling in ceilings:
        line(f"  {ceiling.path:62} {ceiling.per_second:>9,.0f}   {ceiling.limit}")

    line("\n4. The sale day (docs/contract.md, 'A sale day'), on prod's stack:")
    for load, verdict in sale_day(template, ceilings, merchant_p99):
        line(f"  {load.label:58} {load.offered:>7,.0f}   {verdict}; {load.latency}")
    running = concurrency_at_peak(template, ceilings)
    line(
        f"  Lambda concurrency at the peak: {sum(running.values()):,.0f} of the account's {ACCOUNT_CONCURRENCY:,} ("
        + ", ".join(f"{name} {count:.0f}" for name, count in running.items())
        + ")"
    )
    line(
        "\nMeasured here (make bench) and used above: " + "; ".join(f"{k} {v} ({s})" for k, (v, s) in MEASURED.items())
    )
    return "\n".join(lines)


def main() -> None:
    print(report(Template.load(parameters={"Environment": "prod"})))  # prod's stack: the one a sale day meets


if __name__ == "__main__":
    main()
