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
5. The merchants' statement: its writes per refund, and per partition at one merchant's 1,000 and 3,000 refunds
   a second.

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

from bench.capacity.assumptions import ACCOUNT_CONCURRENCY, MEASURED, ORDER_WRITES
from bench.capacity.one_merchant import merchant_refund, simulate_merchant
from bench.capacity.paths import paths
from bench.capacity.sale_day import concurrency_at_peak, sale_day
from bench.capacity.statement import statement_lines
from bench.capacity.writes import REPLACED_INDEX, life_costs, refunds_indexes, sample_refund_life
from devtools.catalogue.template import Template


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
    line("\n5. The merchants' fast-refund statement (StatementTable, kept from the refunds table's stream):")
    lines.extend(statement_lines())
    line(
        "\nMeasured here (make bench) and used above: " + "; ".join(f"{k} {v} ({s})" for k, (v, s) in MEASURED.items())
    )
    return "\n".join(lines)


def main() -> None:
    print(report(Template.load(parameters={"Environment": "prod"})))  # prod's stack: the one a sale day meets


if __name__ == "__main__":
    main()
