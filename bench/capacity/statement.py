"""The statement's writes (repositories/statement_shards.py): per merchant-route refund over its life, and per
partition of the statement at a merchant's given rate of refunds."""

import math

from bench.capacity.writes import sample_refund_life, units

RATES = (1_000, 3_000)  # one merchant's refunds a second
PARTITION_WRITES = 1_000  # a partition's write units a second


def statement_lines() -> list[str]:
    from fastrefund.domain.statement_figures import contribution, difference
    from fastrefund.repositories.refund_items import from_item
    from fastrefund.repositories.statement_shards import SHARDS

    life = [(write, from_item(item)) for write, _, item in sample_refund_life()]
    shown, counted_units, sum_writes, before = 0, 0, 0, {}
    for _, refund in life:
        after = contribution(refund)
        changed = difference(before, after)
        counted = {"days": {day.isoformat(): dict(figures) for day, figures in after.items()}, "sequence": "0" * 40}
        counted_units += units(counted) * (2 if changed else 1)  # in a transaction with the sums, or alone
        sum_writes += len(changed)
        shown += bool(changed)
        before = after
    registers = 1  # the day's limit in force: a merchant-route refund's conditional write (it usually fails: 1 unit)
    per_refund = sum_writes + registers
    lines = [
        f"  a merchant-route refund's {len(life)} changes: {shown} change the statement (the commit, the payment"
        f" result), each a transaction of its counted figures and {sum_writes // max(shown, 1)} day shard's sums;"
        f" the others keep only their sequence",
        f"  its counted figures: {counted_units} write units over its life, on a partition of its own (by refund)",
        f"  day shard writes per refund: {sum_writes} sums + {registers} register = {per_refund}, on one of {SHARDS}"
        " shards of the merchant's day (by refund id)",
    ]
    for rate in RATES:
        per_shard = per_refund * rate / SHARDS
        lines.append(
            f"  one merchant at {rate:,} refunds/s: {per_shard:.0f} writes/s on each shard partition"
            f" ({2 * sum_writes * rate / SHARDS + registers * rate / SHARDS:.0f} write units of {PARTITION_WRITES:,})"
        )
    lines.append(
        f"  under 100 writes/s a partition up to {math.floor(100 * SHARDS / per_refund):,} refunds/s a merchant"
    )
    return lines
