"""The after-sales workbench: a merchant's refund requests, newest first, filtered and paginated.

The cursor is opaque to callers and integrity-protected (logic/page_cursors.py): issued for this list, this
merchant and these filters alone.
"""

from pydantic import Field

from fastrefund.domain.clock import Instant, to_storage
from fastrefund.domain.errors import InvalidInput
from fastrefund.domain.identity import MERCHANT_ONLY, Caller
from fastrefund.domain.models.common import Frozen, Route
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.logic.page_cursors import PageCursors
from fastrefund.logic.ports import Store
from fastrefund.logic.refund_views import RefundView


class WorkbenchQuery(Frozen):
    route: Route | None = None
    status: RefundStatus | None = None
    since: Instant | None = None
    until: Instant | None = None
    policy_rule_id: str | None = None
    limit: int = 50
    cursor: str | None = None

    def filters(self) -> dict[str, str | None]:
        """What a page's contents depend on (the limit only sizes it), as a cursor records them."""
        return {
            "route": self.route,
            "status": self.status,
            "from": to_storage(self.since) if self.since else None,
            "to": to_storage(self.until) if self.until else None,
            "policy_rule_id": self.policy_rule_id,
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
    exact = (("route", query.route), ("status", query.status), ("policy_rule_id", query.policy_rule_id))
    filters = {name: value for name, value in exact if value}
    cursors = PageCursors(cursor_key, "merchant-refunds", {"merchant_id": merchant_id, "filters": query.filters()})
    page = store.refund_lists.merchant_refunds(
        merchant_id,
        since=query.since,
        until=query.until,
        filters=filters,
        limit=query.limit,
        before=cursors.position(query.cursor) if query.cursor else None,
    )
    return WorkbenchPage(
        items=[RefundView.of(refund, caller) for refund in page.refunds],
        next_cursor=cursors.issue(page.last) if page.last else None,
    )
