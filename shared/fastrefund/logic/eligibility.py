"""The dry run: would a refund request for this order be approved automatically now, and why not."""

from datetime import datetime

from pydantic import Field

from fastrefund.domain.clock import china_day
from fastrefund.domain.errors import OrderNotFound
from fastrefund.domain.identity import Caller, Role, reasons_seen_by
from fastrefund.domain.models.common import Frozen, RefundReasonCode, Route
from fastrefund.domain.rulebook import RuleBook
from fastrefund.domain.rules import Decision, RouteCheck, decide, platform_check
from fastrefund.logic.ports import Store


class Eligibility(Frozen):
    order_id: str
    eligible: bool
    route: Route | None = Field(description="the route that would approve the refund, or null")
    policy_rule_id: str | None = Field(
        default=None, description="the merchant's policy rule that would decide, if one would (never for a buyer)"
    )
    rule_version: str | None = Field(description="the platform rule version chosen by the payment time")
    amount_fen: int
    checks: list[RouteCheck]
    existing_refund_id: str | None = Field(default=None, description="the order's open or approved request")
    reason_code: RefundReasonCode = Field(default=RefundReasonCode.OTHER, description="the reason asked about")

    def as_seen_by(self, caller: Caller) -> "Eligibility":
        """The answer as `caller` may read it (see reasons_seen_by); the merchant's rules are the merchant's and
        ops' to read, never the buyer's."""
        buyer = caller.role is Role.BUYER
        checks = [
            check.model_copy(
                update={"reasons": reasons_seen_by(caller, check.reasons)}
                | ({"policy_rule_id": None, "rules": None} if buyer else {})
            )
            for check in self.checks
        ]
        return self.model_copy(update={"checks": checks} | ({"policy_rule_id": None} if buyer else {}))

    @classmethod
    def of(cls, decision: Decision, existing_refund_id: str | None, reason_code: RefundReasonCode) -> "Eligibility":
        approved = decision.approved
        return cls(
            order_id=decision.order_id,
            eligible=approved is not None,
            route=approved.route if approved else None,
            policy_rule_id=decision.policy_rule_id,
            rule_version=decision.rule_version,
            amount_fen=decision.amount_fen,
            checks=decision.checks,
            existing_refund_id=existing_refund_id,
            reason_code=reason_code,
        )


def check_eligibility(
    order_id: str,
    caller: Caller,
    store: Store,
    rulebook: RuleBook,
    now: datetime,
    reason_code: RefundReasonCode = RefundReasonCode.OTHER,
) -> Eligibility:
    # The buyer's own dry run reads its standing with the order (one round trip); a merchant's or ops' reads the
    # order first, which names the buyer
    if caller.role is Role.BUYER:
        order, buyer = store.refunds.order_and_standing(order_id, caller.sub)
    else:
        order, buyer = store.orders.get(order_id), None
    if order is None:
        raise OrderNotFound(order_id)
    caller.require_order_reader(order)
    if buyer is None:
        buyer = store.buyers.standing(order.buyer_id)
    merchant, usage = store.merchants.get_with_usage(order.merchant_id, china_day(now))
    platform = platform_check(order, rulebook, now, buyer)
    decision = decide(order, platform, merchant, usage, reason_code)
    return Eligibility.of(decision, order.refund_id, reason_code).as_seen_by(caller)
