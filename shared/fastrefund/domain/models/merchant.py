"""A merchant's settings: enrolment, its own auto-refund policy, and the policy's daily usage."""

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, Strict, StrictBool, model_validator

from fastrefund.domain.clock import Instant, to_storage
from fastrefund.domain.models.common import MAX_COUNT, MAX_FEN, Fen, Frozen, Identifier

MAX_USAGE_COUNTERS = 8  # how many counters may share one merchant's daily limit


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
