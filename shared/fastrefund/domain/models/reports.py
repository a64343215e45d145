"""A merchant's reports from its own history, made in the background (the POST answers 202; a GET of the report
shows it once READY): a policy trial (a candidate policy replayed on the merchant's stored decisions of a period)
and a statement export (the period's refunds as a CSV file)."""

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from fastrefund.domain.clock import Instant
from fastrefund.domain.models.common import Frozen
from fastrefund.domain.models.merchant import AutoRefundPolicy

# A report not finished by then never will be: its message outlived its retries (the queue keeps it 30 minutes)
GIVEN_UP_AFTER = timedelta(minutes=30)
EXPORT_URL_SECONDS = 900  # how long an export's handed-out URL fetches its file
KEPT_FOR = timedelta(days=7)  # then the table's TTL removes its record (and the bucket's lifecycle an export's file)


class ReportStatus(StrEnum):
    RUNNING = "RUNNING"
    READY = "READY"
    FAILED = "FAILED"  # it did not finish in time: ask for another


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


class Report(Frozen):
    """What every report keeps: whose, which period, asked by whom and when, and how far it got."""

    RECORD: ClassVar[str]  # its record's prefix in the merchants table

    merchant_id: str
    status: ReportStatus
    first_day: date
    last_day: date
    requested_at: Instant
    requested_by: str
    finished_at: Instant | None = None

    @property
    def report_id(self) -> str:
        raise NotImplementedError

    def status_at(self, now: datetime) -> ReportStatus:
        """Its status as a caller reads it at `now`: one still running past GIVEN_UP_AFTER never will finish."""
        if self.status is ReportStatus.RUNNING and now - self.requested_at > GIVEN_UP_AFTER:
            return ReportStatus.FAILED
        return self.status


class PolicyTrial(Report):
    RECORD = "TRIAL#"

    trial_id: str
    policy: AutoRefundPolicy
    result: TrialResult | None = None

    @property
    def report_id(self) -> str:
        return self.trial_id


class StatementExport(Report):
    RECORD = "EXPORT#"

    export_id: str
    object_key: str | None = None  # the CSV file in the exports bucket, once READY
    rows: int | None = None

    @property
    def report_id(self) -> str:
        return self.export_id
