"""The vocabulary every aggregate shares: amounts, identifiers, product types, routes and reasons."""

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

# Amounts and switches are strict: "19900" or 199.0 for an amount, or "yes" for a switch, is refused.

MAX_FEN = 10**12  # the contract: every *_fen integer is at most 10^12


MAX_COUNT = 10**6  # the contract: daily_limit_count is at most 10^6


Fen = Annotated[int, Strict(), Field(ge=0, le=MAX_FEN, description="an amount in fen (1 yuan = 100 fen)")]


IDENTIFIER_PATTERN = r"^[A-Za-z0-9_.:-]+$"  # every id the service takes: orders, merchants, buyers, callers
IDENTIFIER_MAX_LENGTH = 64
Identifier = Annotated[str, Field(min_length=1, max_length=IDENTIFIER_MAX_LENGTH, pattern=IDENTIFIER_PATTERN)]


CategoryPath = Annotated[
    str,
    Field(
        max_length=200,
        pattern=r"^[a-z0-9-]+(/[a-z0-9-]+){0,5}$",
        description="the product's category: 1 to 6 segments of a-z, 0-9 and -, separated by / (apparel/women/dresses)",
    ),
]


class RefundReasonCode(StrEnum):
    """Why the buyer asks for a refund (absent: OTHER)."""

    NO_LONGER_WANTED = "NO_LONGER_WANTED"
    ORDERED_BY_MISTAKE = "ORDERED_BY_MISTAKE"
    WRONG_ITEM_OR_QUANTITY = "WRONG_ITEM_OR_QUANTITY"
    WRONG_ADDRESS_OR_PHONE = "WRONG_ADDRESS_OR_PHONE"
    DELIVERY_TOO_SLOW = "DELIVERY_TOO_SLOW"
    OTHER = "OTHER"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProductType(StrEnum):
    PHYSICAL = "PHYSICAL"
    VIRTUAL = "VIRTUAL"
    CUSTOM_MADE = "CUSTOM_MADE"


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
    POLICY_RULE_REVIEW = "POLICY_RULE_REVIEW"  # the merchant's rule that decided says: review
    NO_POLICY_RULE_MATCHED = "NO_POLICY_RULE_MATCHED"  # the policy has rules, and none holds
    REFUND_ALREADY_REQUESTED = "REFUND_ALREADY_REQUESTED"
    BUYER_LIMIT_REACHED = "BUYER_LIMIT_REACHED"
    BUYER_FLAGGED = "BUYER_FLAGGED"  # shown to merchants and ops; the buyer sees BUYER_NOT_ELIGIBLE
    BUYER_NOT_ELIGIBLE = "BUYER_NOT_ELIGIBLE"


MAX_PERIOD_DAYS = 93  # a statement, an export or a trial covers at most this many China days


class ChinaPeriod(BaseModel):
    """China calendar days `from` to `to`, both included, at most MAX_PERIOD_DAYS of them."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    first_day: date = Field(alias="from", description="the first China day (inclusive)")
    last_day: date = Field(alias="to", description=f"the last China day (inclusive); at most {MAX_PERIOD_DAYS} days")

    @model_validator(mode="after")
    def _forwards_and_not_too_long(self) -> Self:
        if self.first_day > self.last_day:
            raise ValueError("from is after to")
        if (self.last_day - self.first_day).days + 1 > MAX_PERIOD_DAYS:
            raise ValueError(f"the period is longer than {MAX_PERIOD_DAYS} China days")
        return self
