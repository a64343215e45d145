"""Valid domain objects for unit tests; keyword arguments change one thing at a time."""

from datetime import date, datetime
from functools import cache
from typing import Any

from devtools.template import Template
from fastrefund.domain.models import AutoRefundPolicy, MerchantSettings, Order, PolicyUsage
from fastrefund.domain.rulebook import RuleBook, parse_rulebook

PAID_AT = datetime.fromisoformat("2026-11-26T10:00:00+08:00")


@cache
def default_rulebook() -> RuleBook:
    """The rule configuration that template.yaml deploys (the table in RULES.md)."""
    return parse_rulebook(Template.load().resources["RulesParameter"]["Properties"]["Value"])


def order(**changes: Any) -> Order:
    fields = {
        "order_id": "o-1",
        "merchant_id": "m-1",
        "buyer_id": "b-1",
        "product_id": "p-1",
        "product_type": "PHYSICAL",
        "paid_amount_fen": 19900,
        "paid_at": PAID_AT,
        "fast_refund_badge": True,
    }
    return Order.model_validate(fields | changes)


def policy(**changes: Any) -> AutoRefundPolicy:
    fields = {"enabled": True, "max_refund_amount_fen": 50000, "daily_limit_amount_fen": 200000}
    return AutoRefundPolicy.model_validate(fields | changes)


def merchant(auto_refund_policy: AutoRefundPolicy | None = None) -> MerchantSettings:
    return MerchantSettings(merchant_id="m-1", fast_refund_enabled=True, auto_refund_policy=auto_refund_policy)


def usage(amount_fen: int = 0, count: int = 0) -> PolicyUsage:
    return PolicyUsage(day=date(2026, 11, 26), amount_fen=amount_fen, count=count)
