"""The after-sales workbench: a merchant's refund requests, newest first, filtered and paginated.

The cursor is opaque to callers. It names the merchant it was made for and the last refund read;
a cursor that does not decode, or was made for another merchant, is refused, never followed.
"""

import base64
import binascii
import json
from datetime import datetime

from fastrefund.domain.clock import Instant
from fastrefund.domain.errors import InvalidCursor
from fastrefund.domain.identity import MERCHANT_ONLY, Caller
from fastrefund.domain.models import Frozen, RefundStatus, Route
from fastrefund.logic.ports import Store
from fastrefund.logic.refund_requests import RefundView


class WorkbenchQuery(Frozen):
    route: Route | None = None
    status: RefundStatus | None = None
    since: Instant | None = None
    until: Instant | None = None
    limit: int = 50
    cursor: str | None = None


class WorkbenchPage(Frozen):
    items: list[RefundView]
    next_cursor: str | None


def list_refunds(merchant_id: str, query: WorkbenchQuery, caller: Caller, store: Store) -> WorkbenchPage:
    caller.require_merchant(merchant_id, MERCHANT_ONLY)
    filters = {name: value for name, value in (("route", query.route), ("status", query.status)) if value}
    page = store.workbench.merchant_refunds(
        merchant_id,
        since=query.since,
        until=query.until,
        filters=filters,
        limit=query.limit,
        after=decode_cursor(query.cursor, merchant_id) if query.cursor else None,
    )
    return WorkbenchPage(
        items=[RefundView.of(refund) for refund in page.refunds],
        next_cursor=encode_cursor(merchant_id, page.last) if page.last else None,
    )


def encode_cursor(merchant_id: str, last: tuple[str, str]) -> str:
    payload = json.dumps({"m": merchant_id, "d": last[0], "o": last[1]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, merchant_id: str) -> tuple[str, str]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if payload["m"] != merchant_id:
            raise InvalidCursor("the cursor was made for another merchant", field="query.cursor")
        decided_at, order_id = payload["d"], payload["o"]
        datetime.fromisoformat(decided_at)
        if not (isinstance(order_id, str) and order_id):
            raise ValueError("no order id")
    except InvalidCursor:
        raise
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor("the cursor is not one this service handed out", field="query.cursor") from exc
    return decided_at, order_id
