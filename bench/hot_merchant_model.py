"""A discrete-event model of one merchant's limit-checked auto-refunds on DynamoDB, for what DynamoDB
Local cannot show (it runs one transaction at a time and never reports a conflict): per-merchant
throughput, conflict rate and latency at offered loads from 10 to 3,000 refunds a second, for the
previous commit path and for the reservation path, on 1 counter (the default) or 4 (the policy's
`usage_counters`; docs/daily-usage.md).

one txn      (the previous design) read order; read settings + usage; one transaction over {order,
             refund, the day's usage counter, ConditionCheck on the settings}. A transaction that
             finds an item of it held by another transaction is cancelled (TransactionConflict); the
             service re-reads and tries again (logic/settling.py: 4 attempts, 10-50 ms x attempt
             between), then answers 503.
reservation  read order (settings cached in the container); a single-item conditional UpdateItem that
             reserves the amount on one of the day's N counters, each its own partition (standard writes
             to one item are applied one after another: no conflicts); then one transaction over {order,
             refund}, which no other refund touches. Not modelled: the rare deal of the rooms (a policy
             change, the end of the day's allowance), a transaction over the counters that a
             reservation meeting it retries.

Assumptions (AWS documentation each comes from):
- A partition serves at most 1,000 write capacity units a second ("Partitions and data distribution",
  DynamoDB Developer Guide); a hot item cannot borrow beyond that (adaptive capacity isolates a hot
  item to its own partition but does not raise that ceiling). A write that finds its item's partition
  more than BURST_MS behind is throttled.
- A transactional write costs 2 WCU per item up to 1 KB, ConditionCheck included; a standard write 1
  ("Amazon DynamoDB Transactions: how it works" / "Capacity management for transactions").
- A transaction is cancelled with TransactionConflict when another transaction is in progress on one of
  its items, and a standard write to an item in a transaction in progress is refused the same way
  ("Transaction conflict handling in DynamoDB").
- Throttled calls are retried by the SDK in its standard mode: 3 attempts, full-jitter exponential
  backoff (delay uniform in [0, 2^n] seconds; botocore's retry modes documentation). The service's
  client has that configuration (platform/aws_clients.py).
- Round trips of 3-5 ms within a region; a transaction holds its items 10-20 ms (its two phases).
  These are modelling choices, not documented figures; the table shows how the designs compare.

    .venv/bin/python -m bench.hot_merchant_model     (also run by `make bench`)
"""

import heapq
import itertools
import random
import statistics
from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

SIMULATED_MS = 10_000  # each offered load runs for 10 simulated seconds
LOADS = (10, 30, 100, 300, 1000, 3000)
BURST_MS = 20  # how far behind a partition may fall before it throttles
COMMIT_ATTEMPTS = 4
SDK_ATTEMPTS = 3

Step = Generator[tuple[str, Any], Any, None]


@dataclass
class Engine:
    rng: random.Random
    now: float = 0.0
    queue: list[tuple[float, int, Step, Any]] = field(default_factory=list)
    held_until: dict[str, float] = field(default_factory=dict)  # an item in a transaction in progress
    busy_until: dict[str, float] = field(default_factory=dict)  # an item's partition: its writes' backlog
    counts: Counter[str] = field(default_factory=Counter)
    _order: itertools.count = field(default_factory=itertools.count)

    def start(self, process: Step, at: float) -> None:
        heapq.heappush(self.queue, (at, next(self._order), process, None))

    def run(self) -> None:
        while self.queue:
            self.now, _, process, value = heapq.heappop(self.queue)
            try:
                command, argument = process.send(value)
            except StopIteration:
                continue
            if command == "wait":
                heapq.heappush(self.queue, (self.now + argument, next(self._order), process, None))
            else:  # "write": (items, WCU per item, hold ms or 0 for a standard write); answered now
                heapq.heappush(self.queue, (self.now, next(self._order), process, self._write(*argument)))

    def _write(self, items: list[str], wcu: int, hold: float) -> str:
        if any(self.held_until.get(item, 0) > self.now for item in items):
            return "conflict"
        if any(self.busy_until.get(item, 0) > self.now + BURST_MS for item in items):
            return "throttled"
        for item in items:
            self.busy_until[item] = max(self.busy_until.get(item, 0), self.now) + wcu  # 1 WCU = 1 ms
            if hold:
                self.held_until[item] = self.now + hold
        return "ok"


def round_trip(engine: Engine) -> float:
    return engine.rng.uniform(3, 5)


def call(engine: Engine, items: list[str], wcu: int, transaction: bool) -> Step:
    """One write with the SDK's retries of throttling; returns "ok" or "conflict" (or "throttled")."""
    for attempt in range(SDK_ATTEMPTS):
        yield ("wait", round_trip(engine) / 2)
        hold = engine.rng.uniform(10, 20) if transaction else 0
        outcome = yield ("write", (items, wcu, hold))
        yield ("wait", hold + round_trip(engine) / 2)
        if outcome != "throttled":
            return outcome
        engine.counts["throttled"] += 1
        yield ("wait", engine.rng.uniform(0, 2**attempt) * 1000)
    return "throttled"


def one_transaction(engine: Engine, n: int, latencies: list[float]) -> Step:
    started = engine.now
    for attempt in range(COMMIT_ATTEMPTS):
        yield ("wait", round_trip(engine) + round_trip(engine))  # the order, then settings and usage
        engine.counts["transactions"] += 1
        items = [f"order-{n}", f"refund-{n}", "usage-counter", "merchant-settings"]
        outcome = yield from call(engine, items, wcu=2, transaction=True)
        if outcome == "ok":
            latencies.append(engine.now - started)
            return
        engine.counts[outcome] += 1
        yield ("wait", engine.rng.uniform(10, 50) * (attempt + 1))
    engine.counts["503"] += 1


def reservation(counters: int) -> Any:
    def flow(engine: Engine, n: int, latencies: list[float]) -> Step:
        started = engine.now
        yield ("wait", round_trip(engine))  # the order (the settings are cached)
        counter = f"usage-counter-{engine.rng.randrange(counters)}"
        if (yield from call(engine, [counter], wcu=1, transaction=False)) != "ok":
            engine.counts["503"] += 1
            return
        engine.counts["transactions"] += 1
        outcome = yield from call(engine, [f"order-{n}", f"refund-{n}"], wcu=2, transaction=True)
        if outcome != "ok":
            engine.counts[outcome] += 1
            engine.counts["503"] += 1
            return
        latencies.append(engine.now - started)

    return flow


def simulate(design: Any, offered_per_second: int, seed: int = 7) -> dict[str, float]:
    engine, latencies = Engine(random.Random(seed)), []
    at, n = 0.0, 0
    while True:
        at += engine.rng.expovariate(offered_per_second / 1000)
        if at > SIMULATED_MS:
            break
        engine.start(design(engine, n, latencies), at)
        n += 1
    engine.run()
    transactions = engine.counts["transactions"] or 1
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 100 else max(latencies, default=0)
    return {
        "throughput": len(latencies) / (SIMULATED_MS / 1000),
        "conflicts": engine.counts["conflict"] / transactions,
        "failed": engine.counts["503"] / max(n, 1),
        "p99": p99,
    }


def main() -> None:
    designs = {
        "one txn (previous)": one_transaction,
        "reservation, 1 counter": reservation(1),
        "reservation, 4 counters": reservation(4),
    }
    print("One merchant's limit-checked auto-refunds, modelled (see the assumptions in bench/hot_merchant_model.py)")
    print(f"{'offered/s':>9}  {'design':24} {'done/s':>7} {'conflicts':>9} {'503s':>6} {'p99 ms':>8}")
    for load in LOADS:
        for name, design in designs.items():
            result = simulate(design, load)
            print(
                f"{load:>9}  {name:24} {result['throughput']:>7.0f} {result['conflicts']:>9.1%}"
                f" {result['failed']:>6.1%} {result['p99']:>8.0f}"
            )


if __name__ == "__main__":
    main()
