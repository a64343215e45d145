"""A merchant's settings: enrolment, its own auto-refund policy, and the policy's daily usage."""

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, Strict, StrictBool, field_validator, model_validator

from fastrefund.domain.clock import Instant, to_storage
from fastrefund.domain.models.common import (
    MAX_COUNT,
    MAX_FEN,
    CategoryPath,
    Fen,
    Frozen,
    Identifier,
    ProductType,
    RefundReasonCode,
)
from fastrefund.domain.models.order import Order

MAX_USAGE_COUNTERS = 8  # how many counters may share one merchant's daily limit
MAX_POLICY_RULES = 50


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


class RuleAction(StrEnum):
    AUTO_REFUND = "AUTO_REFUND"  # auto-refund, within the policy's one daily limit
    REVIEW = "REVIEW"  # send the request to the merchant's review (POLICY_RULE_REVIEW)


class RuleMiss(StrEnum):
    """Why a rule did not decide a request: the dry run lists every one for each rule it tried."""

    RULE_DISABLED = "RULE_DISABLED"
    AMOUNT_OUTSIDE_BAND = "AMOUNT_OUTSIDE_BAND"
    CATEGORY_NOT_LISTED = "CATEGORY_NOT_LISTED"
    PRODUCT_TYPE_NOT_LISTED = "PRODUCT_TYPE_NOT_LISTED"
    PRODUCT_NOT_LISTED = "PRODUCT_NOT_LISTED"
    REASON_NOT_LISTED = "REASON_NOT_LISTED"


class AmountBand(Frozen):
    """Paid amounts from `min` to `max` fen, both inclusive; an absent bound does not bound."""

    min: Fen | None = None
    max: Fen | None = None

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self

    def holds(self, amount_fen: int) -> bool:
        return (self.min is None or amount_fen >= self.min) and (self.max is None or amount_fen <= self.max)


class RuleConditions(Frozen):
    """When a rule holds: every condition present must hold (an absent one always does)."""

    amount_fen: AmountBand | None = None
    categories: Annotated[
        list[CategoryPath] | None,
        Field(min_length=1, max_length=100, description="a category matches itself and every category below it"),
    ] = None
    product_types: Annotated[list[ProductType] | None, Field(min_length=1, max_length=len(ProductType))] = None
    product_ids: Annotated[list[Identifier] | None, Field(min_length=1, max_length=1000)] = None
    reason_codes: Annotated[list[RefundReasonCode] | None, Field(min_length=1, max_length=len(RefundReasonCode))] = None

    def misses(self, order: Order, reason_code: RefundReasonCode) -> list[RuleMiss]:
        """Every condition that does not hold for a request for `order` with `reason_code`."""
        misses = []
        if self.amount_fen is not None and not self.amount_fen.holds(order.paid_amount_fen):
            misses.append(RuleMiss.AMOUNT_OUTSIDE_BAND)
        if self.categories is not None and not _in_categories(order.category_path, self.categories):
            misses.append(RuleMiss.CATEGORY_NOT_LISTED)
        if self.product_types is not None and order.product_type not in self.product_types:
            misses.append(RuleMiss.PRODUCT_TYPE_NOT_LISTED)
        if self.product_ids is not None and order.product_id not in self.product_ids:
            misses.append(RuleMiss.PRODUCT_NOT_LISTED)
        if self.reason_codes is not None and reason_code not in self.reason_codes:
            misses.append(RuleMiss.REASON_NOT_LISTED)
        return misses


def _in_categories(category_path: str | None, categories: list[str]) -> bool:
    """Whether the order's category is a listed one or below one (an order without a category is in none)."""
    if category_path is None:
        return False
    return any(category_path == listed or category_path.startswith(listed + "/") for listed in categories)


class PolicyRule(Frozen):
    rule_id: Identifier
    enabled: StrictBool = True
    action: RuleAction
    when: RuleConditions = RuleConditions()

    def misses(self, order: Order, reason_code: RefundReasonCode) -> list[RuleMiss]:
        """Why this rule does not decide the request: disabled, and every condition that does not hold."""
        disabled = [] if self.enabled else [RuleMiss.RULE_DISABLED]
        return disabled + self.when.misses(order, reason_code)


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
    rules: Annotated[
        list[PolicyRule],
        Field(
            max_length=MAX_POLICY_RULES,
            description="tried in order after the policy-wide checks: the first enabled rule that holds decides",
        ),
    ] = []

    @model_validator(mode="after")
    def _daily_limit_required_when_enabled(self) -> Self:
        if self.enabled and self.daily_limit_amount_fen is None:
            raise ValueError("daily_limit_amount_fen is required when the policy is enabled")
        return self

    @field_validator("rules")
    @classmethod
    def _rule_ids_unique(cls, rules: list[PolicyRule]) -> list[PolicyRule]:
        first: dict[str, int] = {}
        for position, rule in enumerate(rules):
            if rule.rule_id in first:
                raise ValueError(f"rule_id {rule.rule_id} is used by rules {first[rule.rule_id]} and {position}")
            first[rule.rule_id] = position
        return rules


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
