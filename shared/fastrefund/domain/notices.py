"""What the service tells the outside, derived from committed changes of refund requests (the refunds
table's stream), never from the API request itself, so that a crash between the commit and the publish
cannot lose one: merchant notices (MerchantNoticesTopic) and payout instructions (RefundPayoutsTopic).

Each message's id is derived from the change it reports, so every retry of it carries the same id and
subscribers (and the payment system) can drop duplicates.
"""

import uuid
from typing import Annotated, Any, Literal, Protocol

from pydantic import AwareDatetime, ConfigDict, Field

from fastrefund.domain.clock import to_api
from fastrefund.domain.models import (
    Frozen,
    PayoutStatus,
    Reason,
    Refund,
    RefundStatus,
    Resolution,
    ResolvedBy,
    Route,
)

GUIDANCE = (
    "The buyer has been refunded. Do not ship. If the parcel has left, ask the courier to intercept it"
    " or ask the buyer to return it."
)
REVIEW_GUIDANCE = (
    "Approve or reject this refund request before its review deadline; a request still in review then is"
    " approved on your behalf."
)
_NOTICE_IDS = uuid.UUID("5d3c1c52-8f0e-4f59-9d0c-7a0f3e1b6a21")


class Outbound(Protocol):
    """A message to publish: its body, its id (the same on every retry) and its SNS attributes."""

    def message_id(self) -> str: ...

    def attributes(self) -> dict[str, str]: ...

    def model_dump_json(self) -> str: ...


class _Published(Frozen):
    # Every field is in every message, defaults included: the published schema says so.
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)


class _Notice(_Published):
    notice_id: str = Field(description="the same on every retry of this notice")
    notice_type: str
    merchant_id: str
    order_id: str
    refund_id: str
    amount_fen: int = Field(description="the refund's amount in fen (1 yuan = 100 fen)")

    def message_id(self) -> str:
        return self.notice_id

    def attributes(self) -> dict[str, str]:
        """The SNS message attributes that subscribers' filter policies select on."""
        notice_type: str = self.notice_type
        return {"merchant_id": self.merchant_id, "notice_type": notice_type}


def _about(notice_type: str, refund: Refund) -> dict[str, Any]:
    """What every notice of a request says, its id derived from the request and the notice's type."""
    return {
        "notice_id": str(uuid.uuid5(_NOTICE_IDS, f"{notice_type}:{refund.refund_id}")),
        "notice_type": notice_type,
        "merchant_id": refund.merchant_id,
        "order_id": refund.order_id,
        "refund_id": refund.refund_id,
        "amount_fen": refund.amount_fen,
    }


class AutoRefundNotice(_Notice):
    """An order was refunded automatically: stop the shipment."""

    notice_type: Literal["ORDER_AUTO_REFUNDED"] = "ORDER_AUTO_REFUNDED"
    route: Route
    rule_version: str
    refunded_at: AwareDatetime
    action: Literal["STOP_SHIPMENT"] = "STOP_SHIPMENT"
    guidance: str = GUIDANCE


class ReviewRequestedNotice(_Notice):
    """A request went to the merchant's review."""

    notice_type: Literal["REFUND_REVIEW_REQUESTED"] = "REFUND_REVIEW_REQUESTED"
    reasons: list[Reason] = Field(description="why it was not approved automatically")
    review_deadline: AwareDatetime
    action: Literal["REVIEW"] = "REVIEW"
    guidance: str = REVIEW_GUIDANCE


class ResolutionView(Frozen):
    """How a review ended, as callers and subscribers see it (the caller's identity stays in the audit)."""

    by: ResolvedBy
    at: AwareDatetime
    reason_code: str | None = None
    message: str | None = None

    @classmethod
    def of(cls, resolution: Resolution) -> "ResolutionView":
        return cls(
            by=resolution.by, at=to_api(resolution.at), reason_code=resolution.reason_code, message=resolution.message
        )


class OrderRefundedNotice(_Notice):
    """A request in review was approved (by the merchant, ops or the deadline)."""

    notice_type: Literal["ORDER_REFUNDED"] = "ORDER_REFUNDED"
    resolution: ResolutionView
    action: Literal["STOP_SHIPMENT", "INTERCEPT_OR_RECOVER"] = Field(
        description="STOP_SHIPMENT if the order had not shipped when approved, else INTERCEPT_OR_RECOVER"
    )
    guidance: str = GUIDANCE


Notice = Annotated[AutoRefundNotice | ReviewRequestedNotice | OrderRefundedNotice, Field(discriminator="notice_type")]


def notices_for(before: Refund | None, after: Refund) -> list[Notice]:
    """The notices a committed change of a request calls for (`before` is None for a new request)."""
    if before is None and after.status is RefundStatus.AUTO_REFUNDED:
        auto: dict[str, Any] = {"route": after.route, "rule_version": after.rule_version}
        auto["refunded_at"] = to_api(after.decided_at)
        return [AutoRefundNotice.model_validate(_about("ORDER_AUTO_REFUNDED", after) | auto)]
    if before is None and after.status is RefundStatus.PENDING_REVIEW and after.review_deadline is not None:
        review = {"reasons": after.reasons, "review_deadline": to_api(after.review_deadline)}
        return [ReviewRequestedNotice.model_validate(_about("REFUND_REVIEW_REQUESTED", after) | review)]
    newly_approved = before is not None and before.status is not RefundStatus.APPROVED
    if newly_approved and after.status is RefundStatus.APPROVED and after.resolution is not None:
        approval = {
            "resolution": ResolutionView.of(after.resolution),
            "action": "INTERCEPT_OR_RECOVER" if after.shipped_when_approved else "STOP_SHIPMENT",
        }
        return [OrderRefundedNotice.model_validate(_about("ORDER_REFUNDED", after) | approval)]
    return []


class PayoutInstruction(_Published):
    """One instruction to the payment system: pay the buyer back. `payout_id` is its idempotency key."""

    payout_id: str = Field(description="<refund_id>:<attempt>, the payment system's idempotency key")
    refund_id: str
    order_id: str
    buyer_id: str
    merchant_id: str
    amount_fen: int = Field(description="in fen (1 yuan = 100 fen)")
    currency: Literal["CNY"] = "CNY"
    approved_at: AwareDatetime
    approval: Literal["AUTO_REFUNDED", "MERCHANT", "OPS", "REVIEW_TIMEOUT"]
    attempt: int

    def message_id(self) -> str:
        return self.payout_id

    def attributes(self) -> dict[str, str]:
        return {"merchant_id": self.merchant_id}


def payout_for(before: Refund | None, after: Refund) -> PayoutInstruction | None:
    """The instruction a committed change calls for: a payout newly pending (an approval, or a retry)."""
    payout = after.payout
    if payout is None or payout.status is not PayoutStatus.PENDING or not after.status.approved:
        return None
    if before is not None and before.payout is not None and before.payout.attempts == payout.attempts:
        return None  # the same attempt, changed otherwise: already instructed
    if after.status is RefundStatus.AUTO_REFUNDED:
        approval, approved_at = "AUTO_REFUNDED", after.decided_at
    else:
        assert after.resolution is not None  # an APPROVED request always says how
        approval, approved_at = after.resolution.by.value, after.resolution.at
    return PayoutInstruction(
        payout_id=after.payout_id(),
        refund_id=after.refund_id,
        order_id=after.order_id,
        buyer_id=after.buyer_id,
        merchant_id=after.merchant_id,
        amount_fen=after.amount_fen,
        approved_at=to_api(approved_at),
        approval=approval,  # type: ignore[arg-type]  # one of the Literal's values, by construction
        attempt=payout.attempts,
    )
