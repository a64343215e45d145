"""Ops' queue: the requests a buyer's guard (a risk flag, a limit) sent to review whose deadline passed them to
ops, oldest first, paged and signed like the workbench. Each stays in review until ops (or its merchant) approve
or reject it, or the buyer withdraws it."""

from collections.abc import Callable

from pydantic import Field

from fastrefund.domain.identity import Caller
from fastrefund.domain.models.common import Frozen
from fastrefund.logic.page_cursors import PageCursors
from fastrefund.logic.ports import Store
from fastrefund.logic.refund_views import RefundView


class EscalatedRefundsPage(Frozen):
    items: list[RefundView] = Field(description="oldest escalation first")
    next_cursor: str | None = Field(description="where the list goes on: follow it until it is null")


def list_escalated_refunds(
    limit: int, cursor: str | None, caller: Caller, store: Store, cursor_key: Callable[[], bytes]
) -> EscalatedRefundsPage:
    """`cursor_key` is read only once the caller is known to be ops, as for the buyer's list."""
    caller.require_ops()
    cursors = PageCursors(cursor_key(), "escalated-refunds", {})
    after = cursors.position(cursor) if cursor else None
    page = store.refund_lists.escalated_refunds(limit, after)
    return EscalatedRefundsPage(
        items=[RefundView.of(refund, caller) for refund in page.refunds],
        next_cursor=cursors.issue(page.last) if page.last else None,
    )
