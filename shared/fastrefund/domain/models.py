"""The service's vocabulary: orders, merchant settings and the decisions made about them.

These are also the stored items: a repository writes `model_dump(mode="json")` and reads
`model_validate(item)`, with every instant in the one storage form of `clock.Instant`.
"""

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictBool, model_validator

from fastrefund.domain.clock import Instant, to_storage

# Amounts and switches are strict: "19900" or 199.0 for an amount, or "yes" for a switch, is refused.
MAX_FEN = 10**12  # the contract: every *_fen integer is at most 10^12
MAX_COUNT = 10**6  # the contract: daily_limit_count is at most 10^6
MAX_USAGE_COUNTERS = 8  # how many counters may share one merchant's daily limit
Fen = Annotated[int, Strict(), Field(ge=0, le=MAX_FEN, description="an amount in fen (1 yuan = 100 fen)")]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Carrier = Annotated[str, Field(min_length=1, max_length=32)]
TrackingNumber = Annotated[str, Field(min_length=1, max_length=64)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProductType(StrEnum):
    PHYSICAL = "PHYSICAL"
    VIRTUAL = "VIRTUAL"
    CUSTOM_MADE = "CUSTOM_MADE"


class OrderStatus(StrEnum):
    PAID = "PAID"  # paid and not shipped, as the platform records it
    SHIPPED = "SHIPPED"
    REFUNDED = "REFUNDED"
    CLOSED = "CLOSED"


class Route(StrEnum):
    PLATFORM_FAST_REFUND = "PLATFORM_FAST_REFUND"
    MERCHANT_AUTO_REFUND = "MERCHANT_AUTO_REFUND"


class Reason(StrEnum):
    NO_FAST_REFUND_BADGE = "NO_FAST_REFUND_BADGE"
    VIRTUAL_GOODS = "VIRTUAL_GOODS"
    EXCLUDED_PRODUCT_TYPE = "EXCLUDED_PRODUCT_TYPE"
    AMOUNT_OVER_LIMIT = "AMOUNT_OVER_LIMIT"
    REFUND_WINDOW_EXPIRED = "REFUND_WINDOW_EXPIRED"
    ORDER_SHIPPED = "ORDER_SHIPPED"
    ORDER_CLOSED = "ORDER_CLOSED"
    ALREADY_REFUNDED = "ALREADY_REFUNDED"
    POLICY_DISABLED = "POLICY_DISABLED"
    PRODUCT_NOT_IN_POLICY_SCOPE = "PRODUCT_NOT_IN_POLICY_SCOPE"
    AMOUNT_OVER_POLICY_LIMIT = "AMOUNT_OVER_POLICY_LIMIT"
    DAILY_LIMIT_REACHED = "DAILY_LIMIT_REACHED"
    REFUND_ALREADY_REQUESTED = "REFUND_ALREADY_REQUESTED"


class Shipment(Frozen):
    carrier: Carrier
    tracking_number: TrackingNumber
    shipped_at: Instant


class PaidOrderFields(Frozen):
    """What the order system tells of a paid order, and what the stored order keeps of it."""

    order_id: Identifier
    merchant_id: Identifier
    buyer_id: Identifier
    product_id: Identifier
    product_type: ProductType
    paid_amount_fen: Fen
    paid_at: Instant


class Order(PaidOrderFields):
    """An order as the service stores it."""

    badge_at_payment: StrictBool = Field(
        description="the badge snapshot: the product showed the badge AND the merchant was enrolled at paid_at"
    )
    status: OrderStatus = OrderStatus.PAID
    shipment: Shipment | None = None
    refund_id: str | None = None  # the open or approved refund request, if any
    refund_requests: Annotated[int, Field(ge=0)] = 0  # how many were made, all outcomes
    closed_at: Instant | None = None


class OrderState(Frozen):
    """The few fields of an order that a pre-shipment check needs."""

    order_id: str
    merchant_id: str
    status: OrderStatus
    refund_id: str | None = None


class ScopeMode(StrEnum):
    ALL = "ALL"
    INCLUDE = "INCLUDE"
    EXCLUDE = "EXCLUDE"


class ProductScope(Frozen):
    mode: ScopeMode = ScopeMode.ALL
    product_ids: Annotated[list[Identifier], Field(max_length=1000)] = []

    @model_validator(mode="after")
    def _listed_products_match_mode(self) -> Self:
        if self.mode is not ScopeMode.ALL and not self.product_ids:
            raise ValueError("product_ids must list at least one product when mode is INCLUDE or EXCLUDE")
        return self

    def covers(self, product_id: str) -> bool:
        if self.mode is ScopeMode.INCLUDE:
            return product_id in self.product_ids
        if self.mode is ScopeMode.EXCLUDE:
            return product_id not in self.product_ids
        return True


class AutoRefundPolicy(Frozen):
    """The merchant's "before shipment - refund only - auto approve" policy."""

    enabled: StrictBool
    max_refund_amount_fen: Annotated[int, Strict(), Field(ge=100, le=9_999_900, description="1 to 99,999 yuan")]
    daily_limit_amount_fen: Annotated[
        int | None, Strict(), Field(ge=1, le=MAX_FEN, description="fen in total per China day")
    ] = None
    daily_limit_count: Annotated[int | None, Strict(), Field(ge=1, le=MAX_COUNT, description="refunds per day")] = None
    product_scope: ProductScope = ProductScope()
    include_virtual: StrictBool = False
    usage_counters: Annotated[
        int,
        Strict(),
        Field(
            ge=1,
            le=MAX_USAGE_COUNTERS,
            description="counters sharing the daily limit: each takes about 1,000 refunds a second",
        ),
    ] = 1

    @model_validator(mode="after")
    def _daily_limit_required_when_enabled(self) -> Self:
        if self.enabled and self.daily_limit_amount_fen is None:
            raise ValueError("daily_limit_amount_fen is required when the policy is enabled")
        return self


class MerchantSettings(Frozen):
    merchant_id: Identifier
    fast_refund_enabled: bool = False
    fast_refund_updated_at: Instant | None = None
    auto_refund_policy: AutoRefundPolicy | None = None
    policy_updated_at: Instant | None = None

    @property
    def policy_version(self) -> str:
        """The auto-refund policy's version, as the day's usage counter carries it: when it was last set."""
        return to_storage(self.policy_updated_at) if self.policy_updated_at else ""

    @property
    def usage_counters(self) -> int:
        """How many counters the policy spreads the day's usage over (one without a policy)."""
        return self.auto_refund_policy.usage_counters if self.auto_refund_policy else 1


class PolicyUsage(Frozen):
    """Refunds approved under a merchant's own policy on one China calendar day."""

    day: date
    amount_fen: Fen = 0
    count: Annotated[int, Field(ge=0)] = 0


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
    rule_version: str
    policy: AutoRefundPolicy | None = Field(default=None, description="the merchant policy as it was, if read")
    usage_before: PolicyUsage | None = Field(
        default=None,
        description="the day's policy usage before this refund, when known: read for the decision, or the day's"
        " only counter as the reservation found it",
    )
    usage_counter: int | None = Field(
        default=None, description="which of the day's usage counters counted this refund (merchant route)"
    )


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
    requested_at: Instant
    decided_at: Instant  # when it was decided at once: auto-refunded, or handed to review
    inputs: DecisionInputs
    review_deadline: Instant | None = None  # while PENDING_REVIEW
    resolution: Resolution | None = None  # how the review ended
    earlier_resolutions: list[Resolution] = []  # a rejection that ops overturned, for audit
    payout: Payout | None = None  # once approved
    shipped_when_approved: bool = False  # the order had shipped: the notice says INTERCEPT_OR_RECOVER

    def payout_id(self) -> str:
        """The payment system's idempotency key for the current attempt."""
        attempts = self.payout.attempts if self.payout else 0
        return f"{self.refund_id}:{attempts}"


class MerchantRefundsPage(Frozen):
    """One page of a merchant's refunds, newest first."""

    refunds: list[Refund]
    last: (
        tuple[str, str, str] | None
    )  # (decided_at as stored, order_id, refund_id) of the last one read, if more follow


class SubscriptionProtocol(StrEnum):
    SQS = "sqs"
    HTTPS = "https"
    EMAIL = "email"


class Subscription(Frozen):
    subscription_id: str
    merchant_id: str
    protocol: SubscriptionProtocol
    endpoint: str
    created_at: Instant
