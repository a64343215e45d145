"""A merchant tries a policy on its own history before saving it (docs/rules.md, "Trying a policy").

POST answers 202 at once with the trial's id: the merchant's stored decisions of the period (up to some 100,000)
are read and decided again in the background (functions/merchant_reports), by the one engine that `make
simulate-rules` uses (logic/rule_trials.py), and GET shows the result once it is READY. A trial reads the refunds
table and writes only its own record.
"""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from fastrefund.domain.clock import china_days_span, to_api
from fastrefund.domain.errors import TrialNotFound
from fastrefund.domain.identity import MERCHANT_ONLY, Caller
from fastrefund.domain.models.common import ChinaPeriod, Frozen
from fastrefund.domain.models.merchant import AutoRefundPolicy
from fastrefund.domain.models.reports import (
    Amount,
    Changes,
    PolicyTrial,
    ReportStatus,
    RuleOutcome,
    TrialResult,
)
from fastrefund.logic.ports import Store
from fastrefund.logic.rule_trials import CandidatePolicy, Change, Trial, trial


class TrialRequest(ChinaPeriod):
    policy: AutoRefundPolicy = Field(description="the candidate policy, as PUT .../auto-refund-policy takes it")


class TrialRun(Frozen):
    """The message that hands a trial to its background run (which reads the rest from the trial's record)."""

    kind: Literal["policy_trial"] = "policy_trial"
    merchant_id: str
    trial_id: str


class TrialView(Frozen):
    trial_id: str
    merchant_id: str
    status: ReportStatus = Field(description="RUNNING, then READY with its result (FAILED: it did not finish)")
    first_day: date = Field(serialization_alias="from")
    last_day: date = Field(serialization_alias="to")
    policy: AutoRefundPolicy
    requested_at: AwareDatetime
    finished_at: AwareDatetime | None
    result: TrialResult | None = Field(description="once READY")

    @classmethod
    def of(cls, trial_: PolicyTrial, now: datetime) -> "TrialView":
        return cls(
            **trial_.model_dump(include={"trial_id", "merchant_id", "first_day", "last_day", "policy", "result"}),
            status=trial_.status_at(now),
            requested_at=to_api(trial_.requested_at),
            finished_at=to_api(trial_.finished_at) if trial_.finished_at else None,
        )


def start_trial(merchant_id: str, request: TrialRequest, caller: Caller, store: Store, now: datetime) -> PolicyTrial:
    """The trial, recorded RUNNING; the caller hands it to the background run."""
    caller.require_merchant(merchant_id, MERCHANT_ONLY)
    started = PolicyTrial(
        trial_id=str(uuid.uuid4()),
        merchant_id=merchant_id,
        status=ReportStatus.RUNNING,
        policy=request.policy,
        first_day=request.first_day,
        last_day=request.last_day,
        requested_at=now,
        requested_by=caller.sub,
    )
    store.reports.add(started)
    return started


def get_trial(merchant_id: str, trial_id: str, caller: Caller, store: Store, now: datetime) -> TrialView:
    caller.require_merchant(merchant_id, MERCHANT_ONLY)
    found = store.reports.get(PolicyTrial, merchant_id, trial_id)
    if found is None:
        raise TrialNotFound(trial_id)
    return TrialView.of(found, now)


def run_trial(run: TrialRun, store: Store, now: datetime) -> PolicyTrial | None:
    """Decide the period's stored decisions again under the trial's policy and keep the result; None when there
    is nothing to run (unknown, or finished already: a message delivered twice)."""
    merchant_id = run.merchant_id
    running = store.reports.get(PolicyTrial, merchant_id, run.trial_id)
    if running is None or running.status is not ReportStatus.RUNNING:
        return None
    history = store.refund_lists.decided_between(merchant_id, *china_days_span(running.first_day, running.last_day))
    result = result_of(trial(history, CandidatePolicy(running.policy)), running.policy)
    finished = running.model_copy(update={"status": ReportStatus.READY, "result": result, "finished_at": now})
    return finished if store.reports.finish(finished) else None


def result_of(replayed: Trial, policy: AutoRefundPolicy) -> TrialResult:
    """What the merchant reads of a replay: its rules in the policy's order, then the requests no rule decides."""

    def outcome(rule_id: str | None) -> RuleOutcome:
        tally = replayed.by_rule.get(rule_id)
        if tally is None:
            return RuleOutcome(rule_id=rule_id, requests=Amount(), auto_refunded=Amount(), to_review=Amount())
        return RuleOutcome(
            rule_id=rule_id,
            requests=Amount(count=tally.requests, amount_fen=tally.amount_fen),
            auto_refunded=Amount(count=tally.auto_refunded, amount_fen=tally.auto_refunded_fen),
            to_review=Amount(
                count=tally.requests - tally.auto_refunded, amount_fen=tally.amount_fen - tally.auto_refunded_fen
            ),
        )

    def changes(grouped: dict[tuple[str, tuple[str, ...]], Change]) -> Changes:
        total = replayed.total(grouped)
        examples = [order_id for change in grouped.values() for order_id in change.examples][:EXAMPLES]
        return Changes(decisions=total.decisions, amount_fen=total.amount_fen, example_order_ids=examples)

    return TrialResult(
        decisions=replayed.decisions,
        superseded=replayed.superseded,
        rules=[outcome(rule.rule_id) for rule in policy.rules] + [outcome(None)],
        auto_refunded_to_review=changes(replayed.to_review),
        review_to_auto_refunded=changes(replayed.to_auto),
        daily_limit_bound_on=sorted(replayed.limit_bound_on),
    )


EXAMPLES = 10  # order ids shown per direction of change
