"""A merchant's policy trial: a candidate policy replayed on the merchant's own stored decisions of a period,
run in the background (POST .../auto-refund-policy/trials answers 202; GET .../trials/{trial_id} the result)."""

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from fastrefund.domain.clock import Instant
from fastrefund.domain.models.common import Frozen
from fastrefund.domain.models.merchant import AutoRefundPolicy

MAX_TRIAL_DAYS = 93  # China days, both ends included
# A trial not finished by then never will be: its message outlived its retries (the queue keeps it 30 minutes)
TRIAL_GIVEN_UP_AFTER = timedelta(minutes=30)
TRIAL_KEPT_FOR = timedelta(days=7)  # then the table's TTL removes its record


class TrialStatus(StrEnum):
    RUNNING = "RUNNING"
    READY = "READY"
    FAILED = "FAILED"  # it did not finish in time: start another


class Amount(Frozen):
    count: Annotated[int, Field(ge=0)] = 0
    amount_fen: Annotated[int, Field(ge=0)] = 0


class RuleOutcome(Frozen):
    """The requests one rule would decide on the merchant route (rule_id null: no rule would; for a policy
    without rules, every request the policy decides)."""

    rule_id: str | None
    requests: Amount
    auto_refunded: Amount
    to_review: Amount


class Changes(Frozen):
    """Decisions the candidate would make differently, one way: how many, how much, a few of their orders."""

    decisions: int = 0
    amount_fen: int = 0
    example_order_ids: list[str] = []


class TrialResult(Frozen):
    decisions: int = Field(description="stored decisions of the period decided again")
    superseded: int = Field(
        description="requests made again for an order the candidate would have auto-refunded before: left out"
    )
    rules: list[RuleOutcome] = Field(description="the policy's rules in order, then the requests no rule would decide")
    auto_refunded_to_review: Changes = Field(description="auto-refunded then, to review under the candidate")
    review_to_auto_refunded: Changes = Field(description="to review then, auto-refunded under the candidate")
    daily_limit_bound_on: list[date] = Field(description="China days on which the daily limit would bind")


class PolicyTrial(Frozen):
    trial_id: str
    merchant_id: str
    status: TrialStatus
    policy: AutoRefundPolicy
    first_day: date
    last_day: date
    requested_at: Instant
    requested_by: str
    finished_at: Instant | None = None
    result: TrialResult | None = None
