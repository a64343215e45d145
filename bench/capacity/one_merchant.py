"""Part 2: one merchant's limit-checked refunds, simulated on bench/hot_merchant_model.py's engine (each hot partition a
queue of write units)."""

import random
import statistics
from collections.abc import Callable
from typing import Any

from bench import hot_merchant_model as hot


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
