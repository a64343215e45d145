"""The service's vocabulary: orders, merchant settings and the decisions made about them.

These are also the stored items: a repository writes `model_dump(mode="json")` and reads
`model_validate(item)`, with every instant in the one storage form of `clock.Instant`.
"""

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictBool, model_validator

from fastrefund.domain.clock import Instant

# Amounts and switches are strict: "19900" or 199.0 for an amount, or "yes" for a switch, is refused.
MAX_FEN = 10**12  # the contract: every *_fen integer is at most 10^12
MAX_COUNT = 10**6  # the contract: daily_limit_count is at most 10^6
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
    refund_id: str | None = None
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


class PolicyUsage(Frozen):
    """Refunds approved under a merchant's own policy on one China calendar day."""

    day: date
    amount_fen: Fen = 0
    count: Annotated[int, Field(ge=0)] = 0


class RefundStatus(StrEnum):
    AUTO_REFUNDED = "AUTO_REFUNDED"  # approved automatically: the order is now REFUNDED
    PENDING_REVIEW = "PENDING_REVIEW"  # handed to the merchant's normal review; the order is unchanged


class DecisionInputs(Frozen):
    """What the decision was made from, kept with the refund for audit."""

    paid_amount_fen: int
    paid_at: Instant
    product_id: str
    product_type: ProductType
    badge_at_payment: bool
    rule_version: str
    policy: AutoRefundPolicy | None = Field(default=None, description="the merchant policy as it was, if read")
    usage_before: PolicyUsage | None = Field(default=None, description="the day's policy usage before this refund")


class Refund(Frozen):
    refund_id: str
    order_id: str
    merchant_id: str
    buyer_id: str
    status: RefundStatus
    route: Route | None = None  # None when no route approved it (PENDING_REVIEW)
    rule_version: str
    amount_fen: int
    reasons: list[Reason]
    buyer_reason: str | None = None
    requested_at: Instant
    decided_at: Instant
    inputs: DecisionInputs


class MerchantRefundsPage(Frozen):
    """One page of a merchant's refunds, newest first."""

    refunds: list[Refund]
    last: tuple[str, str] | None  # (decided_at as stored, order_id) of the last one read, if more may follow


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
