"""Trying a change on history: every stored decision of a period, decided again from the inputs it kept for
audit, under a candidate: the platform's rules document (make simulate-rules) or one merchant's policy (the
policy trials API). One engine for both (docs/rules.md).

The order is rebuilt as the decision saw it (its amount, payment time, product, category, badge; shipped or
closed if the decision said so) and decided again with the buyer's reason code, in decision order, each
merchant's daily usage recomputed from the trial's own approvals. Under a rules document the platform guarantee
is checked under the candidate and the merchant route under the policy the decision read; the candidate's buyer
limits count the trial's approvals of each buyer. Under a merchant's policy the platform's answer and the buyer's
guards are taken as the decision recorded them (the rules are not what changes, and one merchant's history does
not hold a buyer's refunds elsewhere), and the merchant route is decided under the candidate policy. A risk
flag the decision saw is kept (flags are the risk system's, not the rules'). An order the trial auto-refunds has
no later request: a request made again after a rejection or a withdrawal is then left out (`superseded`),
neither decided nor counted twice. Pure: no I/O.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from fastrefund.domain import rules
from fastrefund.domain.clock import china_day
from fastrefund.domain.models.buyer import BuyerStanding, BuyerUsage
from fastrefund.domain.models.common import Reason, Route
from fastrefund.domain.models.merchant import AutoRefundPolicy, MerchantSettings, PolicyUsage
from fastrefund.domain.models.order import Order
from fastrefund.domain.models.refund import BUYER_GUARDS, Refund
from fastrefund.domain.rulebook import RuleBook

EXAMPLES = 3  # order ids shown per change


@dataclass
class Change:
    """Decisions that would change the same way: how many, how much, and a few of their orders."""

    decisions: int = 0
    amount_fen: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, refund: Refund) -> None:
        self.decisions += 1
        self.amount_fen += refund.amount_fen
        if len(self.examples) < EXAMPLES:
            self.examples.append(refund.order_id)


class Candidate(Protocol):
    """What a trial decides the stored decisions under."""

    def platform(self, refund: Refund, order: Order, buyer: BuyerStanding) -> rules.RouteCheck:
        """The platform guarantee's answer for the request."""
        ...

    def policy(self, refund: Refund) -> AutoRefundPolicy | None:
        """The merchant's policy the merchant route is decided under."""
        ...


@dataclass(frozen=True)
class CandidateRules:
    """The platform's rules document (make simulate-rules): each merchant's policy as its decision read it."""

    rulebook: RuleBook

    def platform(self, refund: Refund, order: Order, buyer: BuyerStanding) -> rules.RouteCheck:
        return rules.platform_check(order, self.rulebook, refund.requested_at, buyer)

    def policy(self, refund: Refund) -> AutoRefundPolicy | None:
        return refund.inputs.policy_as_decided()


@dataclass(frozen=True)
class CandidatePolicy:
    """One merchant's policy (its trials): the platform's answer and the buyer's guards as recorded."""

    candidate: AutoRefundPolicy

    def platform(self, refund: Refund, order: Order, buyer: BuyerStanding) -> rules.RouteCheck:
        approved = refund.route is Route.PLATFORM_FAST_REFUND
        guards = [reason for reason in refund.reasons if reason in BUYER_GUARDS]
        return rules.RouteCheck(
            route=Route.PLATFORM_FAST_REFUND, eligible=approved, reasons=guards, rule_version=refund.rule_version
        )

    def policy(self, refund: Refund) -> AutoRefundPolicy | None:
        return self.candidate


@dataclass
class RuleTally:
    """The requests one rule of the policy would decide on the merchant route (None: no rule held)."""

    requests: int = 0
    amount_fen: int = 0
    auto_refunded: int = 0
    auto_refunded_fen: int = 0


@dataclass
class Trial:
    decisions: int = 0
    # (route before, reasons now) of approvals that would go to review; (route now, reasons before) of the reverse
    to_review: dict[tuple[str, tuple[str, ...]], Change] = field(default_factory=lambda: defaultdict(Change))
    to_auto: dict[tuple[str, tuple[str, ...]], Change] = field(default_factory=lambda: defaultdict(Change))
    no_policy_recorded: int = 0  # would need the merchant's policy, which the decision never read
    superseded: int = 0  # requests made again for an order the trial had already auto-refunded
    # the merchant route's decisions (those the platform did not approve) by the rule that would decide them
    by_rule: dict[str | None, RuleTally] = field(default_factory=lambda: defaultdict(RuleTally))
    limit_bound_on: set[date] = field(default_factory=set)  # China days the daily limit alone held a request back

    def total(self, changes: dict[tuple[str, tuple[str, ...]], Change]) -> Change:
        summed = Change()
        for change in changes.values():
            summed.decisions += change.decisions
            summed.amount_fen += change.amount_fen
        return summed


def trial(decisions: Iterable[Refund], candidate: Candidate) -> Trial:
    """Each decision again under `candidate`, in decision order."""
    result = Trial()
    usage: dict[tuple[str, str], PolicyUsage] = {}  # by merchant and China day: the trial's approvals
    buyers: dict[str, BuyerUsage] = {}
    refunded: set[str] = set()  # orders the trial auto-refunded
    for refund in sorted(decisions, key=lambda refund: (refund.decided_at, refund.refund_id)):
        if refund.order_id in refunded:
            result.superseded += 1
            continue
        result.decisions += 1
        order = refund.order_as_decided()
        buyer = BuyerStanding(
            usage=buyers.get(refund.buyer_id) or BuyerUsage(buyer_id=refund.buyer_id),
            flag=refund.inputs.buyer_flag,
        )
        platform = candidate.platform(refund, order, buyer)
        day = china_day(refund.decided_at)
        today = usage.get((refund.merchant_id, day.isoformat())) or PolicyUsage(day=day)
        policy = candidate.policy(refund)
        settings = MerchantSettings(
            merchant_id=refund.merchant_id, fast_refund_enabled=False, auto_refund_policy=policy
        )
        decision = rules.decide(order, platform, settings, today, refund.reason_code)
        approved = decision.approved
        if not platform.eligible:
            merchant_route = decision.checks[-1]
            tally = result.by_rule[merchant_route.policy_rule_id]
            tally.requests += 1
            tally.amount_fen += refund.amount_fen
            tally.auto_refunded += merchant_route.eligible
            tally.auto_refunded_fen += refund.amount_fen if merchant_route.eligible else 0
            if merchant_route.reasons == [Reason.DAILY_LIMIT_REACHED]:  # the limit alone kept it from approval
                result.limit_bound_on.add(day)
        if approved is None and policy is None and refund.route is Route.PLATFORM_FAST_REFUND:
            result.no_policy_recorded += 1
        route = approved.route if approved else None
        if route is Route.MERCHANT_AUTO_REFUND:
            usage[(refund.merchant_id, day.isoformat())] = today.model_copy(
                update={"amount_fen": today.amount_fen + refund.amount_fen, "count": today.count + 1}
            )
        if route is not None:
            refunded.add(refund.order_id)
            buyers[refund.buyer_id] = buyer.usage.counting(refund.amount_fen, refund.decided_at)
        if refund.route is not None and route is None:
            result.to_review[(refund.route.value, tuple(decision.reasons))].add(refund)
        elif refund.route is None and route is not None:
            result.to_auto[(route.value, tuple(refund.reasons))].add(refund)
    return result
