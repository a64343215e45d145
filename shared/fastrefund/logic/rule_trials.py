"""Trying a rule change on history: every stored decision of a period, decided again under a candidate rules
document, from the inputs the decision kept for audit (make simulate-rules; docs/rules.md).

The order is rebuilt as the decision saw it (its amount, payment time, product, badge; shipped or closed if the
decision said so), the platform guarantee is checked under the candidate, and the merchant route under the
policy the decision read, with each merchant's daily usage recomputed from the trial's own approvals, in
decision order; the candidate's buyer limits likewise, from the trial's approvals of each buyer. A risk flag
the decision saw is kept (flags are the risk system's, not the rules'). An order the trial auto-refunds has no
later request: a request made again after a rejection or a withdrawal is then left out (`superseded`), neither
decided nor counted twice. Pure: no I/O.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from fastrefund.domain import rules
from fastrefund.domain.clock import china_day
from fastrefund.domain.models.buyer import BuyerStanding, BuyerUsage
from fastrefund.domain.models.common import Route
from fastrefund.domain.models.merchant import MerchantSettings, PolicyUsage
from fastrefund.domain.models.refund import Refund
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


@dataclass
class Trial:
    decisions: int = 0
    # (route before, reasons now) of approvals that would go to review; (route now, reasons before) of the reverse
    to_review: dict[tuple[str, tuple[str, ...]], Change] = field(default_factory=lambda: defaultdict(Change))
    to_auto: dict[tuple[str, tuple[str, ...]], Change] = field(default_factory=lambda: defaultdict(Change))
    no_policy_recorded: int = 0  # would need the merchant's policy, which the decision never read
    superseded: int = 0  # requests made again for an order the trial had already auto-refunded

    def total(self, changes: dict[tuple[str, tuple[str, ...]], Change]) -> Change:
        summed = Change()
        for change in changes.values():
            summed.decisions += change.decisions
            summed.amount_fen += change.amount_fen
        return summed


def trial(decisions: Iterable[Refund], candidate: RuleBook) -> Trial:
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
        platform = rules.platform_check(order, candidate, refund.requested_at, buyer)
        day = china_day(refund.decided_at)
        today = usage.get((refund.merchant_id, day.isoformat())) or PolicyUsage(day=day)
        policy = refund.inputs.policy
        settings = MerchantSettings(
            merchant_id=refund.merchant_id, fast_refund_enabled=False, auto_refund_policy=policy
        )
        decision = rules.decide(order, platform, settings, today)
        approved = decision.approved
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
