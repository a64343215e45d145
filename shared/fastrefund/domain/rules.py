"""The rules engine: would a refund of this order be approved automatically now, and by which route?

Pure: no I/O and no clock. Every failing condition is listed, not only the first.
"""

from datetime import datetime, timedelta

from pydantic import Field

from fastrefund.domain.models.buyer import BuyerStanding, BuyerUsage
from fastrefund.domain.models.common import Frozen, ProductType, Reason, RefundReasonCode, Route
from fastrefund.domain.models.merchant import (
    AutoRefundPolicy,
    MerchantSettings,
    PolicyRule,
    PolicyUsage,
    RuleAction,
    RuleMiss,
)
from fastrefund.domain.models.order import Order, OrderStatus
from fastrefund.domain.models.refund import BUYER_GUARDS
from fastrefund.domain.rulebook import BuyerLimits, RuleBook

_STATE_REASONS = {
    OrderStatus.SHIPPED: Reason.ORDER_SHIPPED,
    OrderStatus.CLOSED: Reason.ORDER_CLOSED,
    OrderStatus.REFUNDED: Reason.ALREADY_REFUNDED,
}


class RuleTrace(Frozen):
    """One of the merchant's rules as a decision tried it: it held, or every reason it did not."""

    rule_id: str
    matched: bool
    failed: list[RuleMiss]


class RouteCheck(Frozen):
    route: Route
    eligible: bool
    reasons: list[Reason]
    rule_version: str | None = None
    policy_rule_id: str | None = Field(
        default=None, description="merchant route: the policy's first enabled rule that holds, if any"
    )
    rules: list[RuleTrace] | None = Field(
        default=None,
        description="merchant route: each rule tried, in order, up to the deciding one; null for a policy"
        " without rules",
    )


class Decision(Frozen):
    order_id: str
    amount_fen: int
    checks: list[RouteCheck]

    @property
    def approved(self) -> RouteCheck | None:
        """The first route that approves, in the order they are tried (the platform guarantee first)."""
        return next((check for check in self.checks if check.eligible), None)

    @property
    def rule_version(self) -> str | None:
        return self.checks[0].rule_version

    @property
    def policy_rule_id(self) -> str | None:
        """The merchant's rule that decides the request: the first that holds, unless the platform approves it."""
        if self.checks[0].eligible:
            return None
        return self.checks[-1].policy_rule_id

    @property
    def reasons(self) -> list[Reason]:
        """Every reason any route gave, once each, in the order found."""
        return list(dict.fromkeys(reason for check in self.checks for reason in check.reasons))


def decide(
    order: Order,
    platform: RouteCheck,
    merchant: MerchantSettings,
    usage: PolicyUsage,
    reason_code: RefundReasonCode = RefundReasonCode.OTHER,
) -> Decision:
    """Both routes, in the order they are tried; `platform` is `platform_check`'s answer for this order,
    computed once per request (the platform route alone needs no merchant read). The buyer's limits and flag
    bind both routes: the platform check found them. `reason_code` is the buyer's, which the merchant's rules
    may name."""
    buyer: list[Reason] = [reason for reason in platform.reasons if reason in BUYER_GUARDS]
    merchant_check = _merchant_policy_check(order, merchant.auto_refund_policy, usage, buyer, reason_code)
    return Decision(order_id=order.order_id, amount_fen=order.paid_amount_fen, checks=[platform, merchant_check])


def buyer_limit_reached(limits: BuyerLimits | None, buyer: BuyerUsage | None, amount_fen: int, now: datetime) -> bool:
    """Whether one more automatic refund of `amount_fen` would take the buyer past a limit within the rolling
    window ending now (no limits, or none read: never)."""
    if limits is None or buyer is None:
        return False
    count, fen = buyer.within(now, limits.window_days)
    over_count = limits.max_auto_refunds is not None and count + 1 > limits.max_auto_refunds
    over_fen = limits.max_auto_refund_fen is not None and fen + amount_fen > limits.max_auto_refund_fen
    return over_count or over_fen


def buyer_reasons(rulebook: RuleBook, buyer: BuyerStanding | None, amount_fen: int, now: datetime) -> list[Reason]:
    """Why the buyer's standing keeps a request from any automatic route: a risk flag in force, a limit."""
    if buyer is None:
        return []
    reasons = [Reason.BUYER_FLAGGED] if buyer.flag is not None and buyer.flag.active(now) else []
    if buyer_limit_reached(rulebook.buyer_limits, buyer.usage, amount_fen, now):
        reasons.append(Reason.BUYER_LIMIT_REACHED)
    return reasons


def platform_check(order: Order, rulebook: RuleBook, now: datetime, buyer: BuyerStanding | None = None) -> RouteCheck:
    """The platform guarantee's answer; `buyer` is the buyer's standing, as read for this request."""
    rules = rulebook.version_for(order.paid_at)
    reasons = []
    if not order.badge_at_payment:
        reasons.append(Reason.NO_FAST_REFUND_BADGE)
    if order.product_type is ProductType.VIRTUAL:
        reasons.append(Reason.VIRTUAL_GOODS)
    elif order.product_type in rules.excluded_product_types:
        reasons.append(Reason.EXCLUDED_PRODUCT_TYPE)
    if order.paid_amount_fen >= rules.paid_amount_below_fen:
        reasons.append(Reason.AMOUNT_OVER_LIMIT)
    if rules.refund_window_hours is not None and now - order.paid_at > timedelta(hours=rules.refund_window_hours):
        reasons.append(Reason.REFUND_WINDOW_EXPIRED)
    reasons += _state_reasons(order)
    reasons += buyer_reasons(rulebook, buyer, order.paid_amount_fen, now)
    return RouteCheck(
        route=Route.PLATFORM_FAST_REFUND, eligible=not reasons, reasons=reasons, rule_version=rules.version
    )


def _merchant_policy_check(
    order: Order,
    policy: AutoRefundPolicy | None,
    usage: PolicyUsage,
    buyer: list[Reason],
    reason_code: RefundReasonCode,
) -> RouteCheck:
    """The policy-wide checks first: any that fails sends the request to review. Then, if the policy has rules,
    the first enabled rule that holds decides: its action, within the one daily limit (a binding limit sends the
    request to review, never on to a later rule). The rules are tried, and every failing condition listed, even
    when a policy-wide check failed, as the daily limit always was: a policy whose one rule holds for every
    request decides exactly as the same policy without rules."""
    reasons = []
    traces: list[RuleTrace] | None = None
    deciding: PolicyRule | None = None
    if policy is None or not policy.enabled:
        reasons.append(Reason.POLICY_DISABLED)
    if policy is not None:
        if not policy.product_scope.covers(order.product_id):
            reasons.append(Reason.PRODUCT_NOT_IN_POLICY_SCOPE)
        if order.product_type is ProductType.VIRTUAL and not policy.include_virtual:
            reasons.append(Reason.VIRTUAL_GOODS)
        if order.paid_amount_fen > policy.max_refund_amount_fen:
            reasons.append(Reason.AMOUNT_OVER_POLICY_LIMIT)
        if not policy.rules:  # the policy as it always was: auto-refund within the daily limit
            if would_exceed_daily_limit(policy, usage, order.paid_amount_fen):
                reasons.append(Reason.DAILY_LIMIT_REACHED)
        else:
            traces, deciding = first_rule_holding(policy.rules, order, reason_code)
            if deciding is None:
                reasons.append(Reason.NO_POLICY_RULE_MATCHED)
            elif deciding.action is RuleAction.REVIEW:
                reasons.append(Reason.POLICY_RULE_REVIEW)
            elif would_exceed_daily_limit(policy, usage, order.paid_amount_fen):
                reasons.append(Reason.DAILY_LIMIT_REACHED)
    reasons += _state_reasons(order) + buyer
    return RouteCheck(
        route=Route.MERCHANT_AUTO_REFUND,
        eligible=not reasons,
        reasons=reasons,
        policy_rule_id=deciding.rule_id if deciding else None,
        rules=traces,
    )


def first_rule_holding(
    rules: list[PolicyRule], order: Order, reason_code: RefundReasonCode
) -> tuple[list[RuleTrace], PolicyRule | None]:
    """The rules tried in order up to the first enabled one that holds (or all of them), and that rule."""
    traces = []
    for rule in rules:
        failed = rule.misses(order, reason_code)
        traces.append(RuleTrace(rule_id=rule.rule_id, matched=not failed, failed=failed))
        if not failed:
            return traces, rule
    return traces, None


class DailyRoom(Frozen):
    """The most a day's usage may already hold for one more refund to fit; None: no such limit.

    The one statement of the daily limit: the rules engine compares the usage it read with it, and the
    refund transaction puts the same numbers in its condition on the stored usage.
    """

    amount_fen: int | None
    count: int | None

    @classmethod
    def of(cls, policy: AutoRefundPolicy, amount_fen: int) -> "DailyRoom":
        return cls(
            amount_fen=None if policy.daily_limit_amount_fen is None else policy.daily_limit_amount_fen - amount_fen,
            count=None if policy.daily_limit_count is None else policy.daily_limit_count - 1,
        )

    def admits(self, usage: PolicyUsage) -> bool:
        fits_amount = self.amount_fen is None or usage.amount_fen <= self.amount_fen
        fits_count = self.count is None or usage.count <= self.count
        return fits_amount and fits_count


def would_exceed_daily_limit(policy: AutoRefundPolicy, usage: PolicyUsage, amount_fen: int) -> bool:
    return not DailyRoom.of(policy, amount_fen).admits(usage)


def _state_reasons(order: Order) -> list[Reason]:
    reason = _STATE_REASONS.get(order.status)
    reasons = [reason] if reason else []
    if order.refund_id is not None:  # an open or approved request: asking again would return it
        reasons.append(Reason.REFUND_ALREADY_REQUESTED)
    return reasons
