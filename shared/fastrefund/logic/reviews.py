"""The life of a request in review: approved, rejected, withdrawn, or approved for the silent merchant
at its deadline (docs/contract.md, "A request's life after it is made"). A request a buyer's guard (a risk
flag, a limit) sent to review is never approved by silence: its deadline passes it to ops.

Each decision is one transaction over the request and its order, conditioned on both being as read, so
a shipment, a close or another decision in between makes it decide again from what is stored then: the
first to commit wins and every other sees the winner. Repeating the action that ended a request returns
it unchanged.
"""

from datetime import datetime
from typing import Annotated, Self

from pydantic import Field, model_validator

from fastrefund.domain.errors import OrderClosed, OrderNotFound, OrderNotShipped, RefundNotFound, RefundNotInReview
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.common import Frozen
from fastrefund.domain.models.order import Order, OrderStatus
from fastrefund.domain.models.refund import Payout, Refund, RefundStatus, RejectionReason, Resolution, ResolvedBy
from fastrefund.logic.ports import Store
from fastrefund.logic.settling import settle
from fastrefund.platform.observability import logger

Message = Annotated[str, Field(min_length=1, max_length=200, description="at most 200 characters")]


class Rejection(Frozen):
    reason_code: RejectionReason
    message: Message | None = Field(default=None, description="required for OTHER")

    @model_validator(mode="after")
    def _other_says_why(self) -> Self:
        if self.reason_code is RejectionReason.OTHER and not self.message:
            raise ValueError("message is required when reason_code is OTHER")
        return self


def approve(order_id: str, refund_id: str, caller: Caller, store: Store, now: datetime) -> Refund:
    """The merchant's (or ops') approval: the request APPROVED and the order REFUNDED, together. Ops may
    also approve a request the merchant rejected (platform arbitration)."""

    def step() -> Refund:
        order, refund = _read(order_id, refund_id, caller, store)
        caller.require_order_merchant(order)
        if refund.status is RefundStatus.APPROVED:
            return refund
        reopenable = caller.role is Role.OPS and refund.status is RefundStatus.REJECTED
        if refund.status is not RefundStatus.PENDING_REVIEW and not reopenable:
            raise RefundNotInReview(refund_id, refund.status)
        by = ResolvedBy.OPS if caller.role is Role.OPS else ResolvedBy.MERCHANT
        return _approve(order, refund, Resolution(by=by, at=now, actor=caller.sub), store)

    return settle(step, "approval")


def reject(order_id: str, refund_id: str, rejection: Rejection, caller: Caller, store: Store, now: datetime) -> Refund:
    def step() -> Refund:
        order, refund = _read(order_id, refund_id, caller, store)
        caller.require_order_merchant(order)
        if refund.status is RefundStatus.REJECTED:
            return refund
        if refund.status is not RefundStatus.PENDING_REVIEW:
            raise RefundNotInReview(refund_id, refund.status)
        if rejection.reason_code is RejectionReason.ALREADY_SHIPPED and order.status is not OrderStatus.SHIPPED:
            raise OrderNotShipped(order_id, order.status)
        by = ResolvedBy.OPS if caller.role is Role.OPS else ResolvedBy.MERCHANT
        resolution = Resolution(
            by=by, at=now, actor=caller.sub, reason_code=rejection.reason_code, message=rejection.message
        )
        return _end(order, refund, RefundStatus.REJECTED, resolution, store)

    return settle(step, "rejection")


def cancel(order_id: str, refund_id: str, caller: Caller, store: Store, now: datetime) -> Refund:
    """The buyer withdraws a request still in review."""

    def step() -> Refund:
        order, refund = _read(order_id, refund_id, caller, store)
        caller.require_buyer(order)
        if refund.status is RefundStatus.CANCELLED and refund.resolution and refund.resolution.by is ResolvedBy.BUYER:
            return refund
        if refund.status is not RefundStatus.PENDING_REVIEW:
            raise RefundNotInReview(refund_id, refund.status)
        return _end(
            order, refund, RefundStatus.CANCELLED, Resolution(by=ResolvedBy.BUYER, at=now, actor=caller.sub), store
        )

    return settle(step, "withdrawal")


def expire(order_id: str, refund_id: str, store: Store, now: datetime) -> Refund | None:
    """The review deadline: a request still in review then is approved for the merchant, or cancelled when
    its order was closed meanwhile, or, when a buyer's guard held it, passed to ops (still in review, with
    escalated_at). None when there was nothing to do (decided or passed already, or not yet due)."""

    def step() -> Refund | None:
        order, refund = store.refunds.order_and_request(order_id, refund_id)
        if refund is None or refund.status is not RefundStatus.PENDING_REVIEW or refund.escalated_at:
            return None  # someone decided first, or it waits for ops
        if order is None:  # a request in review without its order: bad data, to count and look into
            raise OrderNotFound(order_id)
        if refund.review_deadline is None or refund.review_deadline > now:
            return None
        resolution = Resolution(by=ResolvedBy.REVIEW_TIMEOUT, at=now)
        if order.status is OrderStatus.CLOSED:
            return _end(order, refund, RefundStatus.CANCELLED, resolution, store)
        if refund.held_for_buyer:
            return _escalate(refund, store, now)
        return _approve(order, refund, resolution, store)

    return settle(step, "review deadline")


def list_requests(order_id: str, caller: Caller, store: Store) -> list[Refund]:
    order = store.orders.get(order_id)
    if order is None:
        raise OrderNotFound(order_id)
    caller.require_order_reader(order)
    return store.refunds.requests_of(order_id)


def _read(order_id: str, refund_id: str, caller: Caller, store: Store) -> tuple[Order, Refund]:
    """The order and the request, if the caller sees the order: to anyone else neither exists (the same
    404 as an unknown order, so that request ids cannot be probed on other tenants' orders either)."""
    order, refund = store.refunds.order_and_request(order_id, refund_id)
    if order is None:
        raise OrderNotFound(order_id)
    caller.require_order_reader(order)
    if refund is None:
        raise RefundNotFound(order_id, refund_id)
    return order, refund


def _approve(order: Order, refund: Refund, resolution: Resolution, store: Store) -> Refund:
    if order.status is OrderStatus.CLOSED:
        raise OrderClosed(order.order_id)
    if order.refund_id not in (None, refund.refund_id):
        # ops reopening a rejection while the buyer's newer request holds the order
        raise RefundNotInReview(refund.refund_id, refund.status)
    earlier = [*refund.earlier_resolutions, refund.resolution] if refund.resolution else refund.earlier_resolutions
    approved = refund.model_copy(
        update={
            "status": RefundStatus.APPROVED,
            "review_deadline": None,
            "resolution": resolution,
            "earlier_resolutions": earlier,
            "payout": Payout(updated_at=resolution.at),
            "shipped_when_approved": order.status is OrderStatus.SHIPPED,
        }
    )
    store.refunds.approve(approved, refund.status, order)
    logger.info(
        "refund approved", extra={"order_id": order.order_id, "refund_id": refund.refund_id, "by": resolution.by}
    )
    return approved


def _escalate(refund: Refund, store: Store, now: datetime) -> Refund:
    escalated = refund.model_copy(update={"escalated_at": now})
    store.refunds.escalate(escalated)
    logger.warning(
        "refund request passed to ops: a buyer's guard held it and its review deadline passed",
        extra={"order_id": refund.order_id, "refund_id": refund.refund_id, "reasons": refund.reasons},
    )
    return escalated


def _end(order: Order, refund: Refund, status: RefundStatus, resolution: Resolution, store: Store) -> Refund:
    ended = refund.model_copy(update={"status": status, "review_deadline": None, "resolution": resolution})
    store.refunds.end_request(ended, refund.status, order)
    logger.info(
        "refund request ended",
        extra={"order_id": order.order_id, "refund_id": refund.refund_id, "status": status, "by": resolution.by},
    )
    return ended
