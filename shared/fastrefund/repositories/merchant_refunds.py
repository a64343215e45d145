"""The after-sales workbench's reads: a merchant's refunds, newest first, from the index keyed by
merchant and decision time (never a scan)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastrefund.domain.clock import to_storage
from fastrefund.domain.models.common import Route
from fastrefund.domain.models.refund import MerchantRefundsPage, Refund
from fastrefund.repositories import dynamo, keys
from fastrefund.repositories.refund_items import from_item

MERCHANT_INDEX = "ByMerchantDecidedAt"


class WorkbenchRepository:
    def __init__(self, refunds_table: str) -> None:
        self.table_name = refunds_table

    def merchant_refunds(
        self,
        merchant_id: str,
        since: datetime | None,
        until: datetime | None,
        filters: Mapping[str, str],
        limit: int,
        after: tuple[str, str, str] | None,
    ) -> MerchantRefundsPage:
        """Newest first, from the index keyed by merchant and decision time; `filters` are exact matches."""
        key_condition = "merchant_id = :merchant_id"
        bounds: dict[str, Any] = {"merchant_id": merchant_id}
        if since and until:
            key_condition += " AND decided_at BETWEEN :since AND :until"
            bounds |= {"since": to_storage(since), "until": to_storage(until)}
        elif since:
            key_condition += " AND decided_at >= :since"
            bounds["since"] = to_storage(since)
        elif until:
            key_condition += " AND decided_at <= :until"
            bounds["until"] = to_storage(until)
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": MERCHANT_INDEX,
            "KeyConditionExpression": key_condition,
            "ScanIndexForward": False,
        }
        if filters:
            request["FilterExpression"] = " AND ".join(f"#{name} = :{name}" for name in filters)
            request["ExpressionAttributeNames"] = {f"#{name}": name for name in filters}
        request["ExpressionAttributeValues"] = dynamo.values(**bounds, **filters)
        start = keys.refund_by_merchant(merchant_id, *after) if after else None
        refunds: list[Refund] = []
        # A filter drops items after DynamoDB counted them, so keep reading until the page is full.
        while True:
            page_request = request | {"Limit": limit - len(refunds)} | ({"ExclusiveStartKey": start} if start else {})
            with dynamo.translate_transient_errors():
                response = dynamo.client().query(**page_request)
            refunds += [from_item(dynamo.decode(item)) for item in response["Items"]]
            start = response.get("LastEvaluatedKey")
            if not start or len(refunds) >= limit:
                break
        last = dynamo.decode(start) if start else None
        position = (last["decided_at"], last["order_id"], last["refund_id"]) if last else None
        return MerchantRefundsPage(refunds=refunds, last=position)

    def auto_refunded_by_policy(self, merchant_id: str, first: datetime, last: datetime) -> dict[int, tuple[int, int]]:
        """The amount and the number of the merchant's refunds auto-approved under its own policy and
        decided between `first` and `last` (inclusive), by the usage counter that counted them: what each of
        the day's counters must hold for that stretch."""
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": MERCHANT_INDEX,
            "KeyConditionExpression": "merchant_id = :merchant_id AND decided_at BETWEEN :first AND :last",
            "FilterExpression": "#route = :route",
            "ProjectionExpression": "amount_fen, inputs.usage_counter",
            "ExpressionAttributeNames": {"#route": "route"},
            "ExpressionAttributeValues": dynamo.values(
                merchant_id=merchant_id,
                first=to_storage(first),
                last=to_storage(last),
                route=Route.MERCHANT_AUTO_REFUND.value,
            ),
        }
        by_counter: dict[int, tuple[int, int]] = {}
        while True:
            with dynamo.translate_transient_errors():
                response = dynamo.client().query(**query)
            for item in map(dynamo.decode, response["Items"]):
                counter = item.get("inputs", {}).get("usage_counter") or 0
                amount_fen, count = by_counter.get(counter, (0, 0))
                by_counter[counter] = (amount_fen + item["amount_fen"], count + 1)
            if "LastEvaluatedKey" not in response:
                return by_counter
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
