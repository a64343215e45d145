"""The rules engine: would a refund of this order be approved automatically now, and by which route?

Pure: no I/O and no clock. Every failing condition is listed, not only the first.
"""

from datetime import datetime, timedelta

from fastrefund.domain.models import (
    AutoRefundPolicy,
    Frozen,
    MerchantSettings,
    Order,
    OrderStatus,
    PolicyUsage,
    ProductType,
    Reason,
    Route,
)
from fastrefund.domain.rulebook import RuleBook

_STATE_REASONS = {
    OrderStatus.SHIPPED: Reason.ORDER_SHIPPED,
    OrderStatus.CLOSED: Reason.ORDER_CLOSED,
    OrderStatus.REFUNDED: Reason.ALREADY_REFUNDED,
}


class RouteCheck(Frozen):
    route: Route
    eligible: bool
    reasons: list[Reason]
    rule_version: str | None = None


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
    def reasons(self) -> list[Reason]:
        """Every reason any route gave, once each, in the order found."""
        return list(dict.fromkeys(reason for check in self.checks for reason in check.reasons))


def decide(
    order: Order,
    merchant: MerchantSettings,
    rulebook: RuleBook,
    now: datetime,
    usage: PolicyUsage,
) -> Decision:
    return Decision(
        order_id=order.order_id,
        amount_fen=order.paid_amount_fen,
        checks=[
            platform_check(order, rulebook, now),
            _merchant_policy_check(order, merchant.auto_refund_policy, usage),
        ],
    )


def platform_check(order: Order, rulebook: RuleBook, now: datetime) -> RouteCheck:
    rules = rulebook.version_for(order.paid_at)
    reasons = []
    if not order.fast_refund_badge:
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
    return RouteCheck(
        route=Route.PLATFORM_FAST_REFUND, eligible=not reasons, reasons=reasons, rule_version=rules.version
    )


def _merchant_policy_check(order: Order, policy: AutoRefundPolicy | None, usage: PolicyUsage) -> RouteCheck:
    reasons = []
    if policy is None or not policy.enabled:
        reasons.append(Reason.POLICY_DISABLED)
    if policy is not None:
        if not policy.product_scope.covers(order.product_id):
            reasons.append(Reason.PRODUCT_NOT_IN_POLICY_SCOPE)
        if order.product_type is ProductType.VIRTUAL and not policy.include_virtual:
            reasons.append(Reason.VIRTUAL_GOODS)
        if order.paid_amount_fen > policy.max_refund_amount_fen:
            reasons.append(Reason.AMOUNT_OVER_POLICY_LIMIT)
        if would_exceed_daily_limit(policy, usage, order.paid_amount_fen):
            reasons.append(Reason.DAILY_LIMIT_REACHED)
    reasons += _state_reasons(order)
    return RouteCheck(route=Route.MERCHANT_AUTO_REFUND, eligible=not reasons, reasons=reasons)


def would_exceed_daily_limit(policy: AutoRefundPolicy, usage: PolicyUsage, amount_fen: int) -> bool:
    over_amount = policy.daily_limit_amount_fen is not None and (
        usage.amount_fen + amount_fen > policy.daily_limit_amount_fen
    )
    over_count = policy.daily_limit_count is not None and usage.count + 1 > policy.daily_limit_count
    return over_amount or over_count


def _state_reasons(order: Order) -> list[Reason]:
    reason = _STATE_REASONS.get(order.status)
    return [reason] if reason else []
