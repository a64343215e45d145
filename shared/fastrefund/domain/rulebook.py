"""The platform guarantee's rule versions: one JSON document that operators change without a deploy.

A malformed document fails validation: there is no silent default. Where the document comes from is
`fastrefund.repositories.rules_source`.
"""

import functools
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import Field, model_validator

from fastrefund.domain.clock import start_of_china_day
from fastrefund.domain.models.buyer import LONGEST_WINDOW_DAYS
from fastrefund.domain.models.common import MAX_FEN, Frozen, ProductType


class RuleVersion(Frozen):
    version: Annotated[str, Field(min_length=1, max_length=32)]
    effective_from: date | None = Field(
        description="first China calendar day of payment this version covers; null for the earliest version"
    )
    paid_amount_below_fen: Annotated[
        int, Field(gt=0, le=MAX_FEN, description="the paid amount must be strictly below this")
    ]
    refund_window_hours: Annotated[
        int | None, Field(gt=0, le=366 * 24, description="null: any time while not shipped")
    ] = None
    excluded_product_types: list[ProductType] = Field(
        default=[], description="product types that never qualify besides VIRTUAL, which never does"
    )
    note: Annotated[str, Field(max_length=500, description="why the version is as it is, for operators")] = ""

    @property
    def starts_at(self) -> datetime | None:
        return None if self.effective_from is None else start_of_china_day(self.effective_from)


class BuyerLimits(Frozen):
    """How far one buyer's automatic refunds may go in a rolling window; past it, a request goes to review
    (BUYER_LIMIT_REACHED). Approvals in review are the merchant's choice and do not count."""

    window_days: Annotated[
        int,
        Field(
            ge=1,
            le=LONGEST_WINDOW_DAYS,
            description="the window ending at the request; it counts the China day it starts on whole",
        ),
    ]
    max_auto_refunds: Annotated[int | None, Field(ge=0, le=10_000, description="null: no count limit")] = None
    max_auto_refund_fen: Annotated[int | None, Field(ge=0, le=MAX_FEN, description="null: no amount limit")] = None


DEFAULT_REVIEW_TIMEOUT_SECONDS = 48 * 3600


class RuleBook(Frozen):
    versions: Annotated[list[RuleVersion], Field(min_length=1)]
    review_timeout_seconds: Annotated[
        int,
        Field(ge=1, le=30 * 24 * 3600, description="a request still in review this long after it was made is approved"),
    ] = DEFAULT_REVIEW_TIMEOUT_SECONDS
    buyer_limits: BuyerLimits | None = Field(default=None, description="absent or null: buyers are not limited")

    @model_validator(mode="after")
    def _versions_cover_all_time_once(self) -> Self:
        open_ended = [v for v in self.versions if v.effective_from is None]
        if len(open_ended) != 1:
            raise ValueError("exactly one version, the earliest, must have effective_from null")
        dates = [v.effective_from for v in self.versions if v.effective_from is not None]
        if len(set(dates)) != len(dates):
            raise ValueError("two versions have the same effective_from")
        if self.versions[0].effective_from is not None or dates != sorted(dates):
            raise ValueError("versions must be listed in effective_from order, the null one first")
        if len({v.version for v in self.versions}) != len(self.versions):
            raise ValueError("version names must be unique")
        return self

    def version_for(self, paid_at: datetime) -> RuleVersion:
        """The version in force when the order was paid: the latest one that had started by then."""
        started = [v for v in self.versions if v.starts_at is not None and v.starts_at <= paid_at]
        if not started:
            return next(v for v in self.versions if v.starts_at is None)
        return max(started, key=lambda v: v.effective_from or date.min)


@functools.lru_cache(maxsize=4)
def parse_rulebook(document: str) -> RuleBook:
    return RuleBook.model_validate_json(document)
