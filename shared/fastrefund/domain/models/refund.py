"""A refund request: its decision and the inputs it was made from, its review's resolution, its payout."""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from fastrefund.domain.clock import Instant
from fastrefund.domain.models.buyer import BuyerFlag
from fastrefund.domain.models.common import Frozen, ProductType, Reason, RefundReasonCode, Route
from fastrefund.domain.models.merchant import AutoRefundPolicy, PolicyRule, PolicyUsage, RuleAction
from fastrefund.domain.models.order import Carrier, Order, OrderStatus, TrackingNumber


class RefundStatus(StrEnum):
    AUTO_REFUNDED = "AUTO_REFUNDED"  # approved automatically: the order is now REFUNDED
    PENDING_REVIEW = "PENDING_REVIEW"  # handed to the merchant's review; the order is unchanged
    APPROVED = "APPROVED"  # approved in review (merchant, ops or the deadline): the order is now REFUNDED
    REJECTED = "REJECTED"  # the merchant (or ops) said no; the buyer may ask again
    CANCELLED = "CANCELLED"  # the buyer withdrew it, or the deadline found the order closed

    @property
    def approved(self) -> bool:
        """Each approved request starts one payout."""
        return self in (RefundStatus.AUTO_REFUNDED, RefundStatus.APPROVED)


# The reasons that hold a request for a person to decide, whatever the review deadline (docs/rules.md)
BUYER_GUARDS = (Reason.BUYER_FLAGGED, Reason.BUYER_LIMIT_REACHED)

MAX_REQUESTS_PER_ORDER = 3  # a buyer may ask again after a rejection or a withdrawal, up to this many times


class ResolvedBy(StrEnum):
    MERCHANT = "MERCHANT"  # a merchant or erp caller
    OPS = "OPS"  # a platform operator (including arbitration over a rejection)
    BUYER = "BUYER"  # the buyer withdrew the request
    REVIEW_TIMEOUT = "REVIEW_TIMEOUT"  # the merchant did not answer by the review deadline


class RejectionReason(StrEnum):
    BUYER_AGREED_TO_KEEP = "BUYER_AGREED_TO_KEEP"
    ALREADY_SHIPPED = "ALREADY_SHIPPED"  # only for an order recorded as shipped
    OTHER = "OTHER"  # with a message


class Resolution(Frozen):
    """How a request in review ended: who, when and why (kept for audit)."""

    by: ResolvedBy
    at: Instant
    actor: str | None = Field(default=None, description="the caller's sub; None for the review deadline")
    reason_code: str | None = None
    message: str | None = None


class PayoutStatus(StrEnum):
    PENDING = "PENDING"  # an instruction was (or is being) sent to the payment system
    SUCCEEDED = "SUCCEEDED"  # the buyer was paid: final
    FAILED = "FAILED"  # the payment system could not pay; ops may send it again


class Payout(Frozen):
    status: PayoutStatus = PayoutStatus.PENDING
    updated_at: Instant
    failure_code: str | None = None
    attempts: Annotated[int, Field(ge=1)] = 1


class DecisionInputs(Frozen):
    """What the decision was made from, kept with the refund for audit."""

    paid_amount_fen: int
    paid_at: Instant
    product_id: str
    product_type: ProductType
    badge_at_payment: bool
    category_path: str | None = Field(default=None, description="the order's category, if it had one")
    rule_version: str
    policy: AutoRefundPolicy | None = Field(
        default=None,
        description="the merchant policy as it was, if read, without its rules: a policy of 50 rules would make every"
        " refund's item, and each of its writes, several KB (policy_rules and policy_rule say what they decided)",
    )
    policy_version: str | None = Field(
        default=None, description="that policy's version (when it was set), if read: what trials and audits group by"
    )
    policy_rules: Annotated[int, Field(ge=0)] = Field(default=0, description="how many rules that policy had")
    policy_rule: PolicyRule | None = Field(
        default=None, description="the first of its rules that held for the request, as it was (None: none held)"
    )
    usage_before: PolicyUsage | None = Field(
        default=None,
        description="the day's policy usage before this refund, when known: read for the decision, or the day's"
        " only counter as the reservation found it",
    )
    usage_counter: int | None = Field(
        default=None, description="which of the day's usage counters counted this refund (merchant route)"
    )
    buyer_flag: BuyerFlag | None = Field(
        default=None, description="the buyer's risk flag as the decision read it (flagged or cleared), if any"
    )

    @classmethod
    def of(
        cls,
        order: Order,
        rule_version: str,
        buyer_flag: BuyerFlag | None,
        *,
        policy: AutoRefundPolicy | None = None,
        policy_version: str | None = None,
        policy_rule_id: str | None = None,
        usage_before: PolicyUsage | None = None,
        usage_counter: int | None = None,
    ) -> "DecisionInputs":
        """What a decision on `order` keeps of it: its payment facts, and what else the decision read: of the
        merchant's rules (`policy_rule_id` the one that held), how many there were and the one that held."""
        rules = policy.rules if policy else []
        return cls(
            paid_amount_fen=order.paid_amount_fen,
            paid_at=order.paid_at,
            product_id=order.product_id,
            product_type=order.product_type,
            badge_at_payment=order.badge_at_payment,
            category_path=order.category_path,
            rule_version=rule_version,
            policy=policy.model_copy(update={"rules": []}) if policy else None,
            policy_version=policy_version,
            policy_rules=len(rules),
            policy_rule=next((rule for rule in rules if rule.rule_id == policy_rule_id), None),
            usage_before=usage_before,
            usage_counter=usage_counter,
            buyer_flag=buyer_flag,
        )

    def policy_as_decided(self) -> AutoRefundPolicy | None:
        """A policy that decides this request as the policy read did: its settings, and for its rules the one that
        held, or, when none did, one that never holds (the request's facts are kept, so the rules before the one
        that held still would not hold, and those after it are never tried)."""
        if self.policy is None or not self.policy_rules:
            return self.policy
        rule = self.policy_rule or PolicyRule(rule_id="none-held", enabled=False, action=RuleAction.REVIEW)
        return self.policy.model_copy(update={"rules": [rule]})

    def order(self, order_id: str, merchant_id: str, buyer_id: str, status: OrderStatus) -> Order:
        """The order as the decision saw it (the reverse of `of`), in the state the decision found it in."""
        return Order(
            order_id=order_id,
            merchant_id=merchant_id,
            buyer_id=buyer_id,
            product_id=self.product_id,
            product_type=self.product_type,
            paid_amount_fen=self.paid_amount_fen,
            paid_at=self.paid_at,
            status=status,
            badge_at_payment=self.badge_at_payment,
            category_path=self.category_path,
        )


class ParcelOutcome(StrEnum):
    INTERCEPTED = "INTERCEPTED"  # the courier stopped it: the goods come back
    RETURNED = "RETURNED"  # the buyer sent it back
    LOST = "LOST"  # neither: the goods and the money are both gone


class ParcelAfterRefund(Frozen):
    """A refunded order's parcel that left anyway, as its merchant recorded it, and what became of it."""

    carrier: Carrier
    tracking_number: TrackingNumber
    shipped_at: Instant
    recorded_at: Instant
    outcome: ParcelOutcome | None = None  # None: still open
    outcome_at: Instant | None = None


class Refund(Frozen):
    refund_id: str
    order_id: str
    merchant_id: str
    buyer_id: str
    status: RefundStatus
    route: Route | None = None  # the route that approved it automatically; None for a request in review
    rule_version: str
    amount_fen: int
    reasons: list[Reason]
    buyer_reason: str | None = None
    reason_code: RefundReasonCode = RefundReasonCode.OTHER  # the buyer's reason, as a code
    policy_rule_id: str | None = None  # the merchant's rule that decided, if its rules were tried and one held
    requested_at: Instant
    decided_at: Instant  # when it was decided at once: auto-refunded, or handed to review
    inputs: DecisionInputs
    review_deadline: Instant | None = None  # while PENDING_REVIEW
    # held for the buyer's flag or limit, the deadline passed it to ops (it stays PENDING_REVIEW): never approved
    # for the silent merchant
    escalated_at: Instant | None = None
    resolution: Resolution | None = None  # how the review ended
    earlier_resolutions: list[Resolution] = []  # a rejection that ops overturned, for audit
    payout: Payout | None = None  # once approved
    shipped_when_approved: bool = False  # the order had shipped: the notice says INTERCEPT_OR_RECOVER
    parcel_after_refund: ParcelAfterRefund | None = None  # the parcel left anyway (recorded by its merchant)
    # shipments refused because the order was refunded first: "<carrier>:<tracking number>" -> when first refused
    # (None until the first: an empty map would be stored in every refund's item)
    stopped_shipments: dict[str, Instant] | None = None

    @property
    def held_for_buyer(self) -> bool:
        """Sent to review by a buyer's guard (a risk flag, a limit): only a person may approve it."""
        return any(reason in BUYER_GUARDS for reason in self.reasons)

    def order_as_decided(self) -> Order:
        """The order as this request's decision saw it: shipped or closed if its reasons say so, else paid."""
        status = next((_STATUS_SEEN[reason] for reason in self.reasons if reason in _STATUS_SEEN), OrderStatus.PAID)
        return self.inputs.order(self.order_id, self.merchant_id, self.buyer_id, status)

    def payout_id(self) -> str:
        """The payment system's idempotency key for the current attempt."""
        attempts = self.payout.attempts if self.payout else 0
        return f"{self.refund_id}:{attempts}"


_STATUS_SEEN = {Reason.ORDER_SHIPPED: OrderStatus.SHIPPED, Reason.ORDER_CLOSED: OrderStatus.CLOSED}


class MerchantRefundsPage(Frozen):
    """One page of a merchant's refunds, newest first."""

    refunds: list[Refund]
    last: str | None  # where the next page starts (a position in the index), while the search is not finished


class EscalatedPage(Frozen):
    """One page of the requests passed to ops, oldest first."""

    refunds: list[Refund]
    last: str | None  # where the next page starts, while there may be more


class DueReview(Frozen):
    """A request in review whose deadline has passed, as the deadline sweep finds it."""

    order_id: str
    refund_id: str
    review_deadline: Instant


DueCursor = dict[str, Any] | None  # where the next page of a review partition's due requests starts
DuePage = tuple[list[DueReview], DueCursor]
