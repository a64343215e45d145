"""What the service tells the outside, derived from committed changes of refund requests (the refunds
table's stream), never from the API request itself, so that a crash between the commit and the publish
cannot lose one: merchant notices (MerchantNoticesTopic) and payout instructions (RefundPayoutsTopic).

Each message's id is derived from the change it reports, so every retry of it carries the same id and
subscribers (and the payment system) can drop duplicates.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Protocol

from pydantic import AwareDatetime, ConfigDict, Field

from fastrefund.domain.clock import to_api
from fastrefund.domain.models.common import Frozen, Reason, Route
from fastrefund.domain.models.refund import PayoutStatus, Refund, RefundStatus, Resolution, ResolvedBy

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

    @property
    def refund_id(self) -> str:
        """The refund request the message is about."""
        ...

    def message_id(self) -> str: ...

    def attributes(self) -> dict[str, str]: ...

    def model_dump_json(self) -> str: ...


class _Published(Frozen):
    # Every field is in every message, defaults included: the published schema says so.
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)
    # The fields that are also SNS message attributes, for subscribers' filter policies.
    FILTERED_ON: ClassVar[tuple[str, ...]] = ("merchant_id",)

    def attributes(self) -> dict[str, str]:
        """The SNS message attributes that subscribers' filter policies select on."""
        return {name: str(getattr(self, name)) for name in self.FILTERED_ON}


class _Notice(_Published):
    notice_id: str = Field(description="the same on every retry of this notice")
    notice_type: str
    merchant_id: str
    order_id: str
    refund_id: str
    amount_fen: int = Field(description="the refund's amount in fen (1 yuan = 100 fen)")
    policy_rule_id: str | None = Field(
        default=None, description="the rule of the merchant's policy that decided the request, if one did"
    )

    FILTERED_ON = ("merchant_id", "notice_type")

    def message_id(self) -> str:
        return self.notice_id


def _about(notice_type: str, refund: Refund) -> dict[str, Any]:
    """What every notice of a request says, its id derived from the request and the notice's type."""
    return {
        "notice_id": _notice_id(notice_type, refund),
        "notice_type": notice_type,
        "merchant_id": refund.merchant_id,
        "order_id": refund.order_id,
        "refund_id": refund.refund_id,
        "amount_fen": refund.amount_fen,
        "policy_rule_id": refund.policy_rule_id,
    }


def _notice_id(notice_type: str, refund: Refund) -> str:
    return str(uuid.uuid5(_NOTICE_IDS, f"{notice_type}:{refund.refund_id}"))


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


def _notice_type_owed(refund: Refund) -> str | None:
    """Which notice a request's state owes its merchant: that it was auto-refunded, handed to review, or
    approved in review; none for a request rejected or withdrawn."""
    if refund.status is RefundStatus.AUTO_REFUNDED:
        return "ORDER_AUTO_REFUNDED"
    if refund.status is RefundStatus.PENDING_REVIEW and refund.review_deadline is not None:
        return "REFUND_REVIEW_REQUESTED"
    if refund.status is RefundStatus.APPROVED and refund.resolution is not None:
        return "ORDER_REFUNDED"
    return None


def notice_id_owed(refund: Refund) -> str | None:
    """The id of the notice the request's state owes, without making the notice (every write of a request
    marks it: tens of microseconds against a model's hundreds)."""
    notice_type = _notice_type_owed(refund)
    return _notice_id(notice_type, refund) if notice_type else None


def notice_owed(refund: Refund) -> Notice | None:
    """The notice a request's state owes its merchant (see _notice_type_owed)."""
    match _notice_type_owed(refund):
        case "ORDER_AUTO_REFUNDED":
            auto: dict[str, Any] = {"route": refund.route, "rule_version": refund.rule_version}
            auto["refunded_at"] = to_api(refund.decided_at)
            return AutoRefundNotice.model_validate(_about("ORDER_AUTO_REFUNDED", refund) | auto)
        case "REFUND_REVIEW_REQUESTED":
            assert refund.review_deadline is not None
            review = {"reasons": refund.reasons, "review_deadline": to_api(refund.review_deadline)}
            return ReviewRequestedNotice.model_validate(_about("REFUND_REVIEW_REQUESTED", refund) | review)
        case "ORDER_REFUNDED":
            assert refund.resolution is not None
            approval = {
                "resolution": ResolutionView.of(refund.resolution),
                "action": "INTERCEPT_OR_RECOVER" if refund.shipped_when_approved else "STOP_SHIPMENT",
            }
            return OrderRefundedNotice.model_validate(_about("ORDER_REFUNDED", refund) | approval)
    return None


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


def _owes_payout(refund: Refund) -> bool:
    """Whether a request's state owes the payment system an instruction: its current attempt, while pending."""
    payout = refund.payout
    return payout is not None and payout.status is PayoutStatus.PENDING and refund.status.approved


def payout_id_owed(refund: Refund) -> str | None:
    return refund.payout_id() if _owes_payout(refund) else None


def payout_owed(refund: Refund) -> PayoutInstruction | None:
    """The instruction a request's state owes the payment system (see _owes_payout)."""
    payout = refund.payout
    if payout is None or not _owes_payout(refund):
        return None
    if refund.status is RefundStatus.AUTO_REFUNDED:
        approval, approved_at = "AUTO_REFUNDED", refund.decided_at
    else:
        assert refund.resolution is not None  # an APPROVED request always says how
        approval, approved_at = refund.resolution.by.value, refund.resolution.at
    return PayoutInstruction(
        payout_id=refund.payout_id(),
        refund_id=refund.refund_id,
        order_id=refund.order_id,
        buyer_id=refund.buyer_id,
        merchant_id=refund.merchant_id,
        amount_fen=refund.amount_fen,
        approved_at=to_api(approved_at),
        approval=approval,  # type: ignore[arg-type]  # one of the Literal's values, by construction
        attempt=payout.attempts,
    )


@dataclass(frozen=True)
class Outbox:
    """One kind of message a request's state can owe (notices, payout instructions): what it owes, and
    since when. A change publishes what its new state owes that its old state did not; a message owed
    and not confirmed published is sent again by the reconciliation (the id stays the same)."""

    name: str
    owed: Callable[[Refund], Outbound | None]
    owed_id: Callable[[Refund], str | None]  # the owed message's id alone: owed(refund).message_id(), cheaply
    owed_since: Callable[[Refund], datetime]
    # The metrics its publishers count, spelled out once (the template's alarms and dashboard name them too).
    published_metric: str
    failures_metric: str
    republished_metric: str

    def newly_owed(self, before: Refund | None, after: Refund) -> list[Outbound]:
        """The message a committed change calls for (`before` is None for a new request), if any."""
        owed_id = self.owed_id(after)
        if owed_id is None or (before is not None and self.owed_id(before) == owed_id):
            return []
        return [message] if (message := self.owed(after)) is not None else []


def _payout_updated_at(refund: Refund) -> datetime:
    assert refund.payout is not None  # asked only of a refund that owes a payout
    return refund.payout.updated_at


NOTICES = Outbox(
    "notice",
    notice_owed,
    notice_id_owed,
    lambda refund: refund.resolution.at if refund.resolution else refund.decided_at,
    published_metric="NoticesPublished",
    failures_metric="NoticePublishFailures",
    republished_metric="NoticesRepublished",
)
PAYOUTS = Outbox(
    "payout",
    payout_owed,
    payout_id_owed,
    _payout_updated_at,
    published_metric="PayoutsPublished",
    failures_metric="PayoutPublishFailures",
    republished_metric="PayoutsRepublished",
)
OUTBOXES = (NOTICES, PAYOUTS)
