"""Ops' view of one buyer: the buyer's refund requests, newest first, paged and signed like the workbench, with
the buyer's standing (the rules' window usage, the risk flag)."""

from collections.abc import Callable
from datetime import datetime

from pydantic import AwareDatetime, Field

from fastrefund.domain.clock import to_api
from fastrefund.domain.identity import Caller
from fastrefund.domain.models.buyer import BuyerFlag
from fastrefund.domain.models.common import Frozen
from fastrefund.domain.rulebook import RuleBook
from fastrefund.logic.page_cursors import PageCursors
from fastrefund.logic.ports import Store
from fastrefund.logic.refund_views import RefundView


class WindowUsage(Frozen):
    window_days: int
    auto_refunds: int = Field(description="automatic refunds in the rolling window ending now")
    auto_refund_fen: int
    max_auto_refunds: int | None
    max_auto_refund_fen: int | None


class FlagView(Frozen):
    flagged: bool = Field(description="in force now: flagged, not cleared, not expired")
    reason_code: str | None
    at: AwareDatetime = Field(description="when the risk system flagged (or cleared) the buyer")
    expires_at: AwareDatetime | None

    @classmethod
    def of(cls, flag: BuyerFlag, now: datetime) -> "FlagView":
        expires_at = to_api(flag.expires_at) if flag.expires_at else None
        return cls(flagged=flag.active(now), reason_code=flag.reason_code, at=to_api(flag.at), expires_at=expires_at)


class BuyerRefundsPage(Frozen):
    items: list[RefundView] = Field(description="newest first")
    next_cursor: str | None = Field(description="where the list goes on: follow it until it is null")
    usage: WindowUsage | None = Field(description="against the rules' buyer limits; null when there are none")
    flag: FlagView | None = Field(description="the risk system's latest word on the buyer, if any")


def list_buyer_refunds(
    buyer_id: str,
    limit: int,
    cursor: str | None,
    caller: Caller,
    store: Store,
    cursor_key: Callable[[], bytes],
    rulebook: Callable[[], RuleBook],
    now: datetime,
) -> BuyerRefundsPage:
    """`cursor_key` and `rulebook` are read only once the caller is known to be ops: to anyone else, 403 whatever
    their state."""
    caller.require_ops()
    cursors = PageCursors(cursor_key(), "buyer-refunds", {"buyer_id": buyer_id})
    before = cursors.position(cursor) if cursor else None
    page = store.refund_lists.buyer_refunds(buyer_id, limit, before)
    standing = store.buyers.standing(buyer_id)
    limits, flag = rulebook().buyer_limits, standing.flag
    usage = None
    if limits is not None:
        count, fen = standing.usage.within(now, limits.window_days)
        usage = WindowUsage(
            window_days=limits.window_days,
            auto_refunds=count,
            auto_refund_fen=fen,
            max_auto_refunds=limits.max_auto_refunds,
            max_auto_refund_fen=limits.max_auto_refund_fen,
        )
    return BuyerRefundsPage(
        items=[RefundView.of(refund, caller) for refund in page.refunds],
        next_cursor=cursors.issue(page.last) if page.last else None,
        usage=usage,
        flag=FlagView.of(flag, now) if flag else None,
    )
