"""Part 1: the write units of a refund's life, per table and index: the sizes of the items the code writes, and the
indexes of template.yaml that each write reaches."""

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench.capacity.assumptions import KB
from devtools.catalogue.template import Template


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
