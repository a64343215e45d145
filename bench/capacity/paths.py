"""Part 3: each path of the service, its ceiling and the first limit it meets."""

from dataclasses import dataclass

from bench.capacity.assumptions import (
    ACCOUNT_CONCURRENCY,
    API_GATEWAY_RPS,
    MERCHANT_CALLS,
    NEW_TABLE_WCU,
    ORDER_WRITES,
    PARTITION_WCU,
    ROUND_TRIP_MS,
    SNS_CALL_MS,
    cpu_ms,
    vcpu,
)
from bench.capacity.writes import REPLACED_INDEX
from devtools.catalogue.template import Template


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
