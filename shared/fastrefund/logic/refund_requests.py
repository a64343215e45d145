"""Asking for a refund: decided at once, and committed in one transaction when a route approves.

Reads: the order with its refund request (one round trip); the merchant's settings and the day's
usage (a second one) only when the platform guarantee does not approve. Writes: one transaction.
"""

import random
import time
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field

from fastrefund.domain import rules
from fastrefund.domain.clock import china_day, to_api
from fastrefund.domain.errors import (
    OrderClosed,
    OrderNotFound,
    RaceLost,
    TemporarilyUnavailable,
    WriteConflict,
)
from fastrefund.domain.identity import Caller
from fastrefund.domain.models import (
    AutoRefundPolicy,
    DecisionInputs,
    Frozen,
    MerchantSettings,
    Order,
    OrderStatus,
    PolicyUsage,
    Reason,
    Refund,
    RefundStatus,
    Route,
)
from fastrefund.domain.rulebook import RuleBook
from fastrefund.logic.ports import Store
from fastrefund.runtime.observability import logger

COMMIT_ATTEMPTS = 4  # a transaction cancelled by a concurrent one is decided again from a fresh read


class RefundRequest(Frozen):
    reason: Annotated[str | None, Field(max_length=200, description="the buyer's words, at most 200 characters")] = None


class RefundView(Frozen):
    refund_id: str
    order_id: str
    merchant_id: str
    buyer_id: str
    status: RefundStatus
    route: Route | None
    rule_version: str
    amount_fen: int
    reasons: list[Reason]
    requested_at: AwareDatetime
    decided_at: AwareDatetime

    @classmethod
    def of(cls, refund: Refund) -> "RefundView":
        fields = refund.model_dump(include=set(cls.model_fields))
        return cls(**fields | {"requested_at": to_api(refund.requested_at), "decided_at": to_api(refund.decided_at)})


def request_refund(
    order_id: str, request: RefundRequest, caller: Caller, store: Store, rulebook: RuleBook, now: datetime
) -> tuple[Refund, bool]:
    """The order's refund request and whether this call created it (False: the first one stands)."""
    for attempt in range(COMMIT_ATTEMPTS):
        order, existing = store.refunds.order_and_refund(order_id)
        if order is None:
            raise OrderNotFound(order_id)
        caller.require_buyer(order)
        if existing is not None:
            return existing, False
        if order.status is OrderStatus.CLOSED:
            raise OrderClosed(order_id)
        try:
            return _decide_and_commit(order, request, store, rulebook, now), True
        except RaceLost as raced:
            # Something changed between the read and the write (another request for the order, a
            # shipment, the day's usage, the merchant's policy, another transaction): read again and
            # answer from what is stored now, which returns the request that won or names every
            # reason truthfully.
            logger.info("refund raced a change; deciding again", extra={"why": type(raced).__name__})
            if isinstance(raced, WriteConflict):
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # let the other transaction finish
    raise TemporarilyUnavailable("the order is busy; retry shortly")


def _decide_and_commit(order: Order, request: RefundRequest, store: Store, rulebook: RuleBook, now: datetime) -> Refund:
    platform = rules.platform_check(order, rulebook, now)
    if platform.eligible:
        draft = _draft(order, request, now, platform.rule_version)
        return _commit(draft, Route.PLATFORM_FAST_REFUND, store, merchant=None)

    merchant, usage = store.merchants.get_with_usage(order.merchant_id, china_day(now))
    decision = rules.decide(order, platform, merchant, usage)
    draft = _draft(order, request, now, platform.rule_version, merchant.auto_refund_policy, usage)
    if decision.approved is None:
        return _hand_to_review(draft, decision.reasons, store)
    return _commit(draft, Route.MERCHANT_AUTO_REFUND, store, merchant=merchant)


def _commit(draft: Refund, route: Route, store: Store, merchant: MerchantSettings | None) -> Refund:
    refund = draft.model_copy(update={"status": RefundStatus.AUTO_REFUNDED, "route": route})
    store.refunds.commit_auto_refund(refund, merchant, china_day(refund.decided_at))
    logger.info("order auto-refunded", extra={"order_id": refund.order_id, "route": route, "amount": refund.amount_fen})
    return refund


def _hand_to_review(draft: Refund, reasons: list[Reason], store: Store) -> Refund:
    review = draft.model_copy(update={"status": RefundStatus.PENDING_REVIEW, "route": None, "reasons": reasons})
    store.refunds.add_for_review(review)
    logger.info("refund handed to review", extra={"order_id": review.order_id, "reasons": reasons})
    return review


def _draft(
    order: Order,
    request: RefundRequest,
    now: datetime,
    rule_version: str | None,
    policy: AutoRefundPolicy | None = None,
    usage: PolicyUsage | None = None,
) -> Refund:
    """The refund of the whole paid amount, not yet decided, with the decision's inputs for audit."""
    version = rule_version or ""
    return Refund(
        refund_id=str(uuid.uuid4()),
        order_id=order.order_id,
        merchant_id=order.merchant_id,
        buyer_id=order.buyer_id,
        status=RefundStatus.PENDING_REVIEW,
        route=None,
        rule_version=version,
        amount_fen=order.paid_amount_fen,
        reasons=[],
        buyer_reason=request.reason,
        requested_at=now,
        decided_at=now,
        inputs=DecisionInputs(
            paid_amount_fen=order.paid_amount_fen,
            paid_at=order.paid_at,
            product_id=order.product_id,
            product_type=order.product_type,
            badge_at_payment=order.badge_at_payment,
            rule_version=version,
            policy=policy,
            usage_before=usage,
        ),
    )
