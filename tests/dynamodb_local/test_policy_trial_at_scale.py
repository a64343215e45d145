"""A merchant's policy trial over a long history, on DynamoDB Local: the background run reads every stored
decision of the period and its figures equal a plain recount written here. 2,000 decisions in `make test`;
100,000 in `make soak` (the contract's size), with the run's time printed."""

import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from devtools.factories import order, refund_of
from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.common import Reason, RefundReasonCode, Route
from fastrefund.domain.models.refund import Refund, RefundStatus
from fastrefund.domain.models.reports import PolicyTrial
from fastrefund.logic.policy_trials import TrialRequest, TrialRun, start_trial
from fastrefund.repositories import dynamo, refund_items
from fastrefund.repositories.store import get_store
from tests.support import invoke, sqs_batch

MERCHANT = "m-history"
DAYS = 30
CATEGORIES = ["apparel/women", "apparel/men", "electronics/phones", "toys"]
CANDIDATE = {
    "enabled": True,
    "max_refund_amount_fen": 50_000,
    "rules": [
        {"rule_id": "electronics-to-review", "action": "REVIEW", "when": {"categories": ["electronics"]}},
        {"rule_id": "cheap-apparel", "action": "AUTO_REFUND",
         "when": {"categories": ["apparel"], "amount_fen": {"max": 20_000}}},
        {"rule_id": "up-to-400", "action": "AUTO_REFUND", "when": {"amount_fen": {"max": 40_000}}},
    ],
}  # fmt: skip


def history(decisions: int) -> list[Refund]:
    """The merchant's decisions over the last 30 China days: platform refunds, refunds by its policy, and
    requests sent to review, each of an order of its own."""
    rng, now = random.Random(decisions), utc_now()
    first = now - timedelta(days=DAYS)
    made = []
    for n in range(decisions):
        decided_at = first + timedelta(seconds=n * DAYS * 86400 / decisions)
        kind = rng.choice(["platform", "policy", "review", "review"])
        paid = order(
            order_id=f"o-h-{n}", merchant_id=MERCHANT, buyer_id=f"b-{n % 5000}",
            paid_amount_fen=rng.randrange(1_000, 60_000) if kind != "platform" else rng.randrange(1_000, 30_000),
            category_path=rng.choice(CATEGORIES), paid_at=decided_at - timedelta(hours=1),
            badge_at_payment=kind == "platform",
        )  # fmt: skip
        reason_code = rng.choice(list(RefundReasonCode))
        if kind == "review":
            refund = refund_of(
                paid, route=None, status=RefundStatus.PENDING_REVIEW, refund_id=f"r-h-{n}", decided_at=decided_at,
                requested_at=decided_at, reason_code=reason_code,
                reasons=[Reason.NO_FAST_REFUND_BADGE, Reason.AMOUNT_OVER_POLICY_LIMIT],
            )  # fmt: skip
        else:
            route = Route.PLATFORM_FAST_REFUND if kind == "platform" else Route.MERCHANT_AUTO_REFUND
            refund = refund_of(
                paid, route=route, refund_id=f"r-h-{n}", decided_at=decided_at, requested_at=decided_at,
                reason_code=reason_code,
            )  # fmt: skip
        inputs = refund.inputs.model_copy(update={"category_path": paid.category_path})
        made.append(refund.model_copy(update={"inputs": inputs}))
    return made


def store_all(refunds: list[Refund]) -> None:
    client, table = dynamo.client(), get_store().refunds.table_name

    def write(start: int) -> None:
        requests = [
            {"PutRequest": {"Item": dynamo.encode(refund_items.to_item(r))}} for r in refunds[start : start + 25]
        ]
        while requests:
            requests = (
                client.batch_write_item(RequestItems={table: requests}).get("UnprocessedItems", {}).get(table, [])
            )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(0, len(refunds), 25)))


def candidate_for(decisions: int) -> dict:
    """The candidate, its daily limit set to bind on some days of a history of this size (about 15 fen a
    decision of the period: a day's cheaper requests fit, its busiest do not)."""
    return CANDIDATE | {"daily_limit_amount_fen": decisions * 15}


def recount(refunds: list[Refund], candidate: dict) -> dict:
    """The candidate's figures, counted plainly: in decision order, the platform's refunds stand; every other
    request goes to the first rule whose conditions hold, and an AUTO_REFUND rule's refund fits the day's
    limit or goes to review."""
    rule_ids = [rule["rule_id"] for rule in CANDIDATE["rules"]] + [None]
    rules = {rule_id: {"requests": 0, "fen": 0, "auto": 0, "auto_fen": 0} for rule_id in rule_ids}
    used: dict = {}
    bound, to_auto, to_review = set(), [0, 0], [0, 0]
    for refund in sorted(refunds, key=lambda refund: (refund.decided_at, refund.refund_id)):
        if refund.route is Route.PLATFORM_FAST_REFUND:
            continue
        category, amount = refund.inputs.category_path or "", refund.amount_fen
        if category.startswith("electronics"):
            rule, action = "electronics-to-review", "REVIEW"
        elif category.startswith("apparel") and amount <= 20_000:
            rule, action = "cheap-apparel", "AUTO_REFUND"
        elif amount <= 40_000:
            rule, action = "up-to-400", "AUTO_REFUND"
        else:
            rule, action = None, None
        day = china_day(refund.decided_at)
        auto = False
        # a policy-wide check (the single-refund cap) fails first: to review, whatever the rule says
        if action == "AUTO_REFUND" and amount <= CANDIDATE["max_refund_amount_fen"]:
            if used.get(day, 0) + amount <= candidate["daily_limit_amount_fen"]:
                used[day] = used.get(day, 0) + amount
                auto = True
            else:
                bound.add(day.isoformat())
        tally = rules[rule]
        tally["requests"] += 1
        tally["fen"] += amount
        tally["auto"] += auto
        tally["auto_fen"] += amount if auto else 0
        before = refund.route is Route.MERCHANT_AUTO_REFUND
        if before and not auto:
            to_review[0] += 1
            to_review[1] += amount
        elif auto and not before:
            to_auto[0] += 1
            to_auto[1] += amount
    return {"rules": rules, "bound": sorted(bound), "to_review": to_review, "to_auto": to_auto}


@pytest.mark.parametrize("decisions", [pytest.param(2_000), pytest.param(100_000, marks=pytest.mark.soak)])
def test_a_trial_over_a_long_history_equals_a_plain_recount(local_tables, decisions):
    refunds = history(decisions)
    store_all(refunds)
    today = china_day(utc_now())
    candidate = candidate_for(decisions)
    period = {"policy": candidate, "from": (today - timedelta(days=DAYS)).isoformat(), "to": today.isoformat()}
    merchant = Caller(sub="u-history", role=Role.MERCHANT, merchant_id=MERCHANT)
    trial = start_trial(MERCHANT, TrialRequest.model_validate(period), merchant, get_store(), utc_now())

    started = time.perf_counter()
    outcome = invoke(
        "merchant_reports",
        sqs_batch(TrialRun(merchant_id=MERCHANT, trial_id=trial.trial_id).model_dump_json()),
    )
    seconds = time.perf_counter() - started

    assert outcome == {"finished": 1}
    finished = get_store().reports.get(PolicyTrial, MERCHANT, trial.trial_id)
    assert finished is not None and finished.result is not None
    result, expected = finished.result, recount(refunds, candidate)
    print(f"\na trial over {result.decisions:,} stored decisions ran in {seconds:.1f} s (DynamoDB Local)")
    assert result.decisions == decisions
    assert {
        outcome.rule_id: {
            "requests": outcome.requests.count, "fen": outcome.requests.amount_fen,
            "auto": outcome.auto_refunded.count, "auto_fen": outcome.auto_refunded.amount_fen,
        }
        for outcome in result.rules
    } == expected["rules"]  # fmt: skip
    assert [day.isoformat() for day in result.daily_limit_bound_on] == expected["bound"]
    assert expected["bound"], "the daily limit bound on some days"
    changes = (result.auto_refunded_to_review, result.review_to_auto_refunded)
    assert [[change.decisions, change.amount_fen] for change in changes] == [expected["to_review"], expected["to_auto"]]
