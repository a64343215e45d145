"""What the API shows of a refund request (the buyer's, the merchant's and the workbench's answers alike)."""

from pydantic import AwareDatetime, Field

from fastrefund.domain.clock import to_api
from fastrefund.domain.identity import Caller, Role, reasons_seen_by
from fastrefund.domain.models.common import Frozen, Reason, RefundReasonCode, Route
from fastrefund.domain.models.refund import Payout, PayoutStatus, Refund, RefundStatus
from fastrefund.domain.notices import ResolutionView


class PayoutView(Frozen):
    status: PayoutStatus
    updated_at: AwareDatetime
    failure_code: str | None
    attempts: int

    @classmethod
    def of(cls, payout: Payout) -> "PayoutView":
        return cls(**payout.model_dump(exclude={"updated_at"}), updated_at=to_api(payout.updated_at))


class RefundView(Frozen):
    refund_id: str
    order_id: str
    merchant_id: str
    buyer_id: str
    status: RefundStatus
    route: Route | None
    rule_version: str
    amount_fen: int
    reasons: list[Reason]
    reason_code: RefundReasonCode = Field(description="the buyer's reason for asking, as a code")
    category_path: str | None = Field(description="the order's category, if it has one")
    policy_rule_id: str | None = Field(
        default=None,
        description="the merchant's policy rule that decided the request, if one did; never shown to the buyer",
    )
    requested_at: AwareDatetime
    decided_at: AwareDatetime
    review_deadline: AwareDatetime | None = Field(
        description="while in review: approved for the merchant then (passed to ops instead, when held for the buyer)"
    )
    escalated_at: AwareDatetime | None = Field(
        default=None,
        description="held for the buyer's flag or limit, its deadline passed it to ops (still in review); never"
        " shown to the buyer",
    )
    resolution: ResolutionView | None = Field(description="how the review ended, once it has")
    payout: PayoutView | None = Field(description="the payment to the buyer, once approved")

    @classmethod
    def of(cls, refund: Refund, caller: Caller) -> "RefundView":
        """The request as `caller` may read it (see reasons_seen_by)."""
        return cls(
            **refund.model_dump(include=set(cls.model_fields) - _INSTANTS_AND_PARTS - {"reasons"}),
            reasons=reasons_seen_by(caller, refund.reasons),
            policy_rule_id=refund.policy_rule_id if caller.role is not Role.BUYER else None,
            category_path=refund.inputs.category_path,
            requested_at=to_api(refund.requested_at),
            decided_at=to_api(refund.decided_at),
            review_deadline=to_api(refund.review_deadline) if refund.review_deadline else None,
            escalated_at=to_api(refund.escalated_at) if refund.escalated_at and caller.role is not Role.BUYER else None,
            resolution=ResolutionView.of(refund.resolution) if refund.resolution else None,
            payout=PayoutView.of(refund.payout) if refund.payout else None,
        )


_INSTANTS_AND_PARTS = {
    "requested_at",
    "decided_at",
    "review_deadline",
    "escalated_at",
    "resolution",
    "payout",
    "policy_rule_id",
}


class RefundList(Frozen):
    refund_requests: list[RefundView] = Field(description="newest first")
