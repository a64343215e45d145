"""The after-sales workbench: a merchant's refund requests, newest first, filtered and paginated.

The cursor is opaque to callers and integrity-protected: it names the merchant and the filters it was
issued for and the last refund read, signed with the service's cursor key (HMAC-SHA256). A cursor that
does not verify, or was issued for another merchant or other filters, is refused, never followed.
"""

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from pydantic import Field

from fastrefund.domain.clock import Instant, to_storage
from fastrefund.domain.errors import InvalidCursor, InvalidInput
from fastrefund.domain.identity import MERCHANT_ONLY, Caller
from fastrefund.domain.models.common import Frozen, Route
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.logic.ports import Store
from fastrefund.logic.refund_views import RefundView


class WorkbenchQuery(Frozen):
    route: Route | None = None
    status: RefundStatus | None = None
    since: Instant | None = None
    until: Instant | None = None
    limit: int = 50
    cursor: str | None = None

    def filters(self) -> dict[str, str | None]:
        """What a page's contents depend on (the limit only sizes it), as a cursor records them."""
        return {
            "route": self.route,
            "status": self.status,
            "from": to_storage(self.since) if self.since else None,
            "to": to_storage(self.until) if self.until else None,
        }


class WorkbenchPage(Frozen):
    items: list[RefundView] = Field(description="newest first; fewer than `limit`, even none, while the search goes on")
    next_cursor: str | None = Field(description="where the search goes on: follow it until it is null")


def list_refunds(
    merchant_id: str, query: WorkbenchQuery, caller: Caller, store: Store, cursor_key: bytes
) -> WorkbenchPage:
    caller.require_merchant(merchant_id, MERCHANT_ONLY)
    if query.since and query.until and query.since > query.until:
        raise InvalidInput("from is after to", field="query.from")
    filters = {name: value for name, value in (("route", query.route), ("status", query.status)) if value}
    page = store.refund_lists.merchant_refunds(
        merchant_id,
        since=query.since,
        until=query.until,
        filters=filters,
        limit=query.limit,
        before=decode_cursor(cursor_key, query.cursor, merchant_id, query) if query.cursor else None,
    )
    return WorkbenchPage(
        items=[RefundView.of(refund, caller) for refund in page.refunds],
        next_cursor=encode_cursor(cursor_key, merchant_id, query, page.last) if page.last else None,
    )


def encode_cursor(key: bytes, merchant_id: str, query: WorkbenchQuery, position: str) -> str:
    payload = {"m": merchant_id, "q": query.filters(), "p": position}
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(body)}.{_b64(_signature(key, body))}"


def decode_cursor(key: bytes, cursor: str, merchant_id: str, query: WorkbenchQuery) -> str:
    """The position a cursor names, if this service issued it for this merchant and these filters."""
    encoded_body, _, encoded_signature = cursor.partition(".")
    try:
        body, signature = _unb64(encoded_body), _unb64(encoded_signature)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor("the cursor is not one this service handed out") from exc
    if not hmac.compare_digest(signature, _signature(key, body)):
        raise InvalidCursor("the cursor is not one this service handed out")
    payload: dict[str, Any] = json.loads(body)  # signed by us: well-formed
    if payload["m"] != merchant_id or payload["q"] != query.filters() or "p" not in payload:
        raise InvalidCursor("the cursor was issued for another merchant or other filters")
    position: str = payload["p"]
    return position


def _signature(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
