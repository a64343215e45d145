"""The lists of refunds the API pages through, each from an index (never a scan): a merchant's (the after-sales
workbench), newest first, from the workbench index, which spreads each merchant over a few partitions
(refund_items.py; a page reads them in parallel and merges them); a buyer's, for ops; and the requests passed to
ops at their deadline, oldest first."""

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from fastrefund.domain.clock import to_storage
from fastrefund.domain.models.refund import EscalatedPage, MerchantRefundsPage, Refund, RefundStatus
from fastrefund.repositories import dynamo, keys
from fastrefund.repositories.refund_items import (
    AFTER_EVERY_REFUND_OF,
    BUYER_INDEX,
    ESCALATED,
    ESCALATED_INDEX,
    WORKBENCH_INDEX,
    from_item,
    workbench_partitions,
)

# At most this many index items are read for one page, over all the spreads: a filter that matches little over
# a long history gives a short (even empty) page with a cursor, within the function's timeout, rather than a
# search that reads on until it fills. Index items are small (keys and four attributes): 1,000 is ~50 read
# units and four parallel queries.
PAGE_READ_BUDGET = 1000
READERS = 8  # parallel reads of a long history (a trial's): each waits on the network, not the CPU
# The filters the workbench index can apply itself (it projects them); any other is applied to the refunds read
INDEX_FILTERS = ("route", "status")


class RefundListsRepository:
    def __init__(self, refunds_table: str) -> None:
        self.table_name = refunds_table

    def merchant_refunds(
        self,
        merchant_id: str,
        since: datetime | None,
        until: datetime | None,
        filters: Mapping[str, str],
        limit: int,
        before: str | None,
    ) -> MerchantRefundsPage:
        """Up to `limit` refunds matching `filters` (exact matches) decided from `since` to `until` and placed
        before the position `before`, newest first; `last` is where the next page starts, while the search
        is not finished (a page can be short, or empty, and still have one)."""
        bounds = [before] if before else []
        if until:
            bounds.append(to_storage(until) + AFTER_EVERY_REFUND_OF)
        lower = to_storage(since) if since else None
        spreads = (WORKBENCH_INDEX, "workbench_key", workbench_partitions(merchant_id))
        return self._page(spreads, lower, min(bounds, default=None), filters, limit, before)

    def buyer_refunds(self, buyer_id: str, limit: int, before: str | None) -> MerchantRefundsPage:
        """Up to `limit` of the buyer's refunds placed before the position `before`, newest first."""
        return self._page((BUYER_INDEX, "buyer_id", [buyer_id]), None, before, {}, limit, before)

    def escalated_refunds(self, limit: int, after: str | None) -> EscalatedPage:
        """Up to `limit` of the requests passed to ops, oldest first, from the position after `after`."""
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": ESCALATED_INDEX,
            "KeyConditionExpression": "escalated = :escalated" + (" AND escalated_key > :after" if after else ""),
            "ExpressionAttributeValues": dynamo.values(escalated=ESCALATED, **({"after": after} if after else {})),
            "Limit": limit,
        }
        with dynamo.translate_transient_errors():
            response = dynamo.client().query(**request)
        found = [dynamo.decode(item) for item in response["Items"]]
        stopped = response.get("LastEvaluatedKey")
        # one decided since the index was read is left out
        refunds = [refund for refund in self._current(found, {}) if refund.status is RefundStatus.PENDING_REVIEW]
        return EscalatedPage(refunds=refunds, last=dynamo.decode(stopped)["escalated_key"] if stopped else None)

    def decided_between(self, merchant_id: str, first: datetime, last: datetime) -> list[Refund]:
        """Every refund request of the merchant decided from `first` to `last` (inclusive), in no order: the
        index's spreads read in parallel for their keys, then the requests themselves, 100 a call, in parallel
        (a policy trial's read: up to some 100,000 of them)."""

        def keys_of(partition: str) -> list[dict[str, Any]]:
            query: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": WORKBENCH_INDEX,
                "KeyConditionExpression": "workbench_key = :partition AND workbench_at BETWEEN :first AND :last",
                "ProjectionExpression": "order_id, refund_id",
                "ExpressionAttributeValues": dynamo.values(
                    partition=partition, first=to_storage(first), last=to_storage(last) + AFTER_EVERY_REFUND_OF
                ),
            }
            found = []
            while True:
                with dynamo.translate_transient_errors():
                    response = dynamo.client().query(**query)
                found += response["Items"]
                if "LastEvaluatedKey" not in response:
                    return found
                query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

        def requests(batch: list[dict[str, Any]]) -> list[Refund]:
            items = dynamo.batch_get({self.table_name: {"Keys": batch}}).get(self.table_name, [])
            return [from_item(item) for item in items]

        partitions = workbench_partitions(merchant_id)
        with ThreadPoolExecutor(READERS) as pool:
            wanted = [key for found in pool.map(keys_of, partitions) for key in found]
            batches = [wanted[start : start + 100] for start in range(0, len(wanted), 100)]
            return [refund for batch in pool.map(requests, batches) for refund in batch]

    def _page(
        self,
        spreads: tuple[str, str, list[str]],
        lower: str | None,
        upper: str | None,
        filters: Mapping[str, str],
        limit: int,
        before: str | None,
    ) -> MerchantRefundsPage:
        """A page of an index sorted by workbench_at, over its `spreads` (the index, its key, the key's values
        to read), merged newest first; `upper` is inclusive: the refund at `before` itself, if read, is dropped."""
        index, key, partitions = spreads
        # Unfiltered, `limit` from each spread fills the page; filtered, the budget bounds the search. One more
        # when resuming, so that a spread that stops has read past `before`, and the search moves on.
        per_spread = (max(limit, PAGE_READ_BUDGET // len(partitions)) if filters else limit) + (1 if before else 0)

        def read(partition: str) -> tuple[list[dict[str, Any]], str | None]:
            return self._read_spread((index, key, partition), lower, upper, filters, per_spread)

        with ThreadPoolExecutor(len(partitions)) as pool:
            read_spreads = list(pool.map(read, partitions))
        # Every position at or after the newest place where a spread stopped reading has been read in all of them
        stopped = [position for _, position in read_spreads if position]
        frontier = max(stopped, default=None)
        found = sorted(
            (
                item
                for items, _ in read_spreads
                for item in items
                if item["workbench_at"] != before and (frontier is None or item["workbench_at"] >= frontier)
            ),
            key=lambda item: item["workbench_at"],
            reverse=True,
        )
        page = found[:limit]
        last = page[-1]["workbench_at"] if len(found) > limit else frontier
        return MerchantRefundsPage(refunds=self._current(page, filters), last=last)

    def _read_spread(
        self,
        spread: tuple[str, str, str],
        lower: str | None,
        upper: str | None,
        filters: Mapping[str, str],
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One query of one spread (the index, its key, the key's value), newest first: the matching index
        items, and the position where it stopped (None once the spread has nothing more in range)."""
        index, key, partition = spread
        key_condition = f"{key} = :partition"
        bounds: dict[str, Any] = {"partition": partition}
        if lower and upper:
            key_condition += " AND workbench_at BETWEEN :lower AND :upper"
            bounds |= {"lower": lower, "upper": upper}
        elif lower:
            key_condition += " AND workbench_at >= :lower"
            bounds["lower"] = lower
        elif upper:
            key_condition += " AND workbench_at <= :upper"
            bounds["upper"] = upper
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": key_condition,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        indexed = {name: value for name, value in filters.items() if name in INDEX_FILTERS}
        request["ExpressionAttributeValues"] = dynamo.values(**bounds, **indexed)
        if indexed:
            request["FilterExpression"] = " AND ".join(f"#{name} = :{name}" for name in indexed)
            request["ExpressionAttributeNames"] = {f"#{name}": name for name in indexed}
        with dynamo.translate_transient_errors():
            response = dynamo.client().query(**request)
        stopped = response.get("LastEvaluatedKey")
        position = dynamo.decode(stopped)["workbench_at"] if stopped else None
        return [dynamo.decode(item) for item in response["Items"]], position

    def _current(self, page: list[dict[str, Any]], filters: Mapping[str, str]) -> list[Refund]:
        """The page's refunds as the table has them now, in the page's order; one whose state moved out of the
        filters since the index was read is left out."""
        if not page:
            return []
        wanted = [keys.refund(item["order_id"], item["refund_id"]) for item in page]
        items = dynamo.batch_get({self.table_name: {"Keys": wanted}}).get(self.table_name, [])
        by_id = {item["refund_id"]: from_item(item) for item in items}
        current = (by_id.get(item["refund_id"]) for item in page)
        return [
            refund
            for refund in current
            if refund and all(str(getattr(refund, name)) == value for name, value in filters.items())
        ]
