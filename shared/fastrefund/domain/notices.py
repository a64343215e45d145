"""Merchant notices: derived from committed auto-refunds (the refunds table's stream), never from the
API request itself, so that a crash between the commit and the publish cannot lose one.
"""

import uuid
from typing import Literal

from pydantic import AwareDatetime, Field

from fastrefund.domain.clock import to_api
from fastrefund.domain.models import Frozen, Refund, RefundStatus, Route

GUIDANCE = (
    "The buyer has been refunded. Do not ship. If the parcel has left, ask the courier to intercept it"
    " or ask the buyer to return it."
)
# notice_id is derived from the refund, so every retry of the same notice carries the same id.
_NOTICE_IDS = uuid.UUID("5d3c1c52-8f0e-4f59-9d0c-7a0f3e1b6a21")


class Notice(Frozen):
    notice_id: str
    notice_type: Literal["ORDER_AUTO_REFUNDED"] = "ORDER_AUTO_REFUNDED"
    merchant_id: str
    order_id: str
    refund_id: str
    amount_fen: int
    route: Route
    rule_version: str
    refunded_at: AwareDatetime
    action: Literal["STOP_SHIPMENT"] = "STOP_SHIPMENT"
    guidance: str = Field(default=GUIDANCE)

    @classmethod
    def of(cls, refund: Refund) -> "Notice":
        if refund.status is not RefundStatus.AUTO_REFUNDED or refund.route is None:
            raise ValueError(f"refund {refund.refund_id} was not auto-refunded: no notice")
        return cls(
            notice_id=str(uuid.uuid5(_NOTICE_IDS, f"ORDER_AUTO_REFUNDED:{refund.refund_id}")),
            merchant_id=refund.merchant_id,
            order_id=refund.order_id,
            refund_id=refund.refund_id,
            amount_fen=refund.amount_fen,
            route=refund.route,
            rule_version=refund.rule_version,
            refunded_at=to_api(refund.decided_at),
        )

    def attributes(self) -> dict[str, str]:
        """The SNS message attributes that subscribers' filter policies select on."""
        return {"merchant_id": self.merchant_id, "notice_type": self.notice_type}
