"""The merchant's rules where they meet the rest (store in memory): the dry run says what the request right after
it decides, and a history replayed with each policy turned into one catch-all rule changes nothing."""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from devtools.factories import PAID_AT, default_rulebook, order, policy
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.common import ProductType, RefundReasonCode, Route
from fastrefund.domain.models.merchant import AutoRefundPolicy
from fastrefund.domain.models.order import Order
from fastrefund.domain.models.refund import Refund
from fastrefund.logic.eligibility import check_eligibility
from fastrefund.logic.refund_requests import request_refund
from fastrefund.logic.rule_trials import CandidatePolicy, CandidateRules, trial
from tests.unit.fakes import InMemoryStore
from tests.unit.test_policy_rules import CATEGORIES, PRODUCTS, random_rule

START = PAID_AT + timedelta(hours=1)
MERCHANTS = ["m-1", "m-2", "m-3"]


def random_order(draw: random.Random, number: int) -> Order:
    return order(
        order_id=f"o-{number}",
        merchant_id=draw.choice(MERCHANTS),
        buyer_id=f"b-{draw.randrange(40)}",
        paid_amount_fen=draw.randrange(100, 60000, 100),
        category_path=draw.choice([None, *CATEGORIES]),
        product_type=draw.choice(list(ProductType)),
        product_id=draw.choice(PRODUCTS),
        badge_at_payment=draw.random() < 0.3,
    )


def test_the_dry_run_says_what_the_request_right_after_it_decides_over_1000_cases():
    draw, store, rulebook = random.Random(1207), InMemoryStore(), default_rulebook()
    outcomes = {"platform": 0, "merchant": 0, "review": 0, "limit": 0}
    for number in range(1000):
        now = START + timedelta(seconds=20 * number)  # a little over 5 China hours: the days' usage builds up
        if number % 50 == 0:  # each merchant's policy changes now and then, its daily limit small enough to bind
            for merchant_id in MERCHANTS:
                rules = [random_rule(draw, n) for n in range(draw.choice([0, 3, 10, 50]))]
                candidate = policy(daily_limit_amount_fen=draw.choice([50000, 200000, 10**9]), rules=rules)
                store.merchants.set_auto_refund_policy(merchant_id, candidate, now)
        paid = random_order(draw, number)
        store.orders.add_paid(paid)
        reason_code = draw.choice(list(RefundReasonCode))
        merchant = Caller(sub=f"u-{paid.merchant_id}", role=Role.MERCHANT, merchant_id=paid.merchant_id)

        dry_run = check_eligibility(paid.order_id, merchant, store, rulebook, now, reason_code)
        refund, _ = request_refund(
            paid.order_id,
            {"reason_code": reason_code},
            Caller(sub=paid.buyer_id, role=Role.BUYER),
            store,
            rulebook,
            now,
        )

        reasons = list(dict.fromkeys(reason for check in dry_run.checks for reason in check.reasons))
        assert (refund.route, refund.policy_rule_id, refund.reasons) == (
            dry_run.route,
            dry_run.policy_rule_id,
            [] if dry_run.eligible else reasons,
        ), number
        outcomes[
            "platform" if refund.route is Route.PLATFORM_FAST_REFUND else "merchant" if refund.route else "review"
        ] += 1
        outcomes["limit"] += "DAILY_LIMIT_REACHED" in refund.reasons
    assert min(outcomes.values()) >= 20, outcomes


@dataclass(frozen=True)
class EachPolicyAsOneRule(CandidateRules):
    """The rules in force, and each decision's own policy with one rule that holds for every request: `action`."""

    action: str = "AUTO_REFUND"

    def policy(self, refund: Refund) -> AutoRefundPolicy | None:
        recorded = refund.inputs.policy_as_decided()
        if recorded is None:
            return None
        return recorded.model_copy(update={"rules": policy(rules=[{"rule_id": "all", "action": self.action}]).rules})


def history(draw: random.Random, decisions: int, rules: int = 0) -> list[Refund]:
    """Requests decided one after the other over two China days, under policies whose daily limits bind, each with
    `rules` random rules."""
    store, rulebook = InMemoryStore(), default_rulebook()
    for merchant_id in MERCHANTS:
        limit = policy(
            daily_limit_amount_fen=draw.choice([1_000_000, 3_000_000]),
            include_virtual=draw.random() < 0.5,
            rules=[random_rule(draw, n) for n in range(rules)],
        )
        store.merchants.set_auto_refund_policy(merchant_id, limit, PAID_AT)
    for number in range(decisions):
        now = START + timedelta(seconds=number * 86400 * 2 // decisions)
        paid = random_order(draw, number)
        store.orders.add_paid(paid)
        body = {"reason_code": draw.choice(list(RefundReasonCode))}
        request_refund(paid.order_id, body, Caller(sub=paid.buyer_id, role=Role.BUYER), store, rulebook, now)
    return list(store.refunds.refunds.values())


def test_every_decision_replayed_with_its_policy_as_one_catch_all_rule_comes_out_the_same():
    decided = history(random.Random(7), 3000)
    by_policy = [refund for refund in decided if refund.route is Route.MERCHANT_AUTO_REFUND]
    limited = [refund for refund in decided if "DAILY_LIMIT_REACHED" in refund.reasons]
    assert len(by_policy) > 300 and len(limited) > 100  # the policies decided, and their limits bound

    as_one_rule = trial(decided, EachPolicyAsOneRule(default_rulebook()))

    assert as_one_rule.decisions == len(decided)
    assert (dict(as_one_rule.to_review), dict(as_one_rule.to_auto)) == ({}, {})
    assert set(as_one_rule.by_rule) == {"all"}
    # the same replay can tell a difference: the one rule sending every request to review instead
    as_review = trial(decided, EachPolicyAsOneRule(default_rulebook(), action="REVIEW"))
    assert as_review.total(as_review.to_review).decisions == len(by_policy)


def test_a_history_decided_by_rules_replays_exactly_from_what_each_decision_kept():
    decided = history(random.Random(9), 3000, rules=4)
    held = Counter(
        refund.policy_rule_id is not None for refund in decided if refund.route is not Route.PLATFORM_FAST_REFUND
    )
    assert min(held.values()) > 100, held  # rules held for some requests, none for others

    replayed = trial(decided, CandidateRules(default_rulebook()))

    assert (dict(replayed.to_review), dict(replayed.to_auto)) == ({}, {})
    assert sum(tally.requests for tally in replayed.by_rule.values()) == sum(held.values())
    # a decision keeps its policy's settings and the one rule that held, not all four
    assert all(len(refund.inputs.policy.rules) == 0 for refund in decided if refund.inputs.policy)
    assert {refund.inputs.policy_rules for refund in decided if refund.inputs.policy} == {4}


def test_a_merchant_trial_keeps_the_platforms_answer_and_the_buyers_guards_as_recorded():
    decided = history(random.Random(8), 600)
    review_everything = policy(rules=[{"rule_id": "look-first", "action": "REVIEW"}])
    replayed = trial(decided, CandidatePolicy(review_everything))

    platform = [refund for refund in decided if refund.route is Route.PLATFORM_FAST_REFUND]
    by_policy = [refund for refund in decided if refund.route is Route.MERCHANT_AUTO_REFUND]
    assert replayed.total(replayed.to_review).decisions == len(by_policy)
    assert replayed.total(replayed.to_auto).decisions == 0
    assert replayed.by_rule["look-first"].requests == len(decided) - len(platform)
    assert platform  # the platform's approvals stood
