"""Valid domain objects for unit tests; keyword arguments change one thing at a time."""

from datetime import date, datetime
from functools import cache
from typing import Any

from devtools.catalogue.template import Template
from devtools.invoking.sample_events import PAID_ORDER
from fastrefund.domain.models.common import Route
from fastrefund.domain.models.merchant import AutoRefundPolicy, MerchantSettings, PolicyUsage
from fastrefund.domain.models.order import Order
from fastrefund.domain.models.refund import DecisionInputs, Refund, RefundStatus
from fastrefund.domain.rulebook import RuleBook, parse_rulebook

PAID_AT = datetime.fromisoformat(PAID_ORDER["paid_at"])


@cache
def default_rulebook() -> RuleBook:
    """The rule configuration that template.yaml deploys (the table in docs/rules.md)."""
    return parse_rulebook(Template.load().resources["RulesParameter"]["Properties"]["Value"])


def order(**changes: Any) -> Order:
    """The sample paid order (the one every test and sample event starts from), as stored."""
    paid = {name: value for name, value in PAID_ORDER.items() if name != "fast_refund_badge"}
    return Order.model_validate(paid | {"badge_at_payment": PAID_ORDER["fast_refund_badge"]} | changes)


def policy(**changes: Any) -> AutoRefundPolicy:
    fields = {"enabled": True, "max_refund_amount_fen": 50000, "daily_limit_amount_fen": 200000}
    return AutoRefundPolicy.model_validate(fields | changes)


def merchant(auto_refund_policy: AutoRefundPolicy | None = None) -> MerchantSettings:
    return MerchantSettings(merchant_id="m-1", fast_refund_enabled=True, auto_refund_policy=auto_refund_policy)


def usage(amount_fen: int = 0, count: int = 0) -> PolicyUsage:
    return PolicyUsage(day=date(2026, 11, 26), amount_fen=amount_fen, count=count)


def refund_of(paid: Order, route: Route = Route.MERCHANT_AUTO_REFUND, **changes: Any) -> Refund:
    """The auto-refund of the whole paid amount of an order."""
    fields = {
        "refund_id": f"r-{paid.order_id}",
        "order_id": paid.order_id,
        "merchant_id": paid.merchant_id,
        "buyer_id": paid.buyer_id,
        "status": RefundStatus.AUTO_REFUNDED,
        "route": route,
        "rule_version": "2023-09-13",
        "amount_fen": paid.paid_amount_fen,
        "reasons": [],
        "requested_at": paid.paid_at,
        "decided_at": paid.paid_at,
        "inputs": DecisionInputs(
            paid_amount_fen=paid.paid_amount_fen,
            paid_at=paid.paid_at,
            product_id=paid.product_id,
            product_type=paid.product_type,
            badge_at_payment=paid.badge_at_payment,
            rule_version="2023-09-13",
        ),
    }
    return Refund.model_validate(fields | changes)


def a_minute_left() -> float:
    """A run's remaining time (seconds) with plenty to spare, for the reconciliation."""
    return 60.0
