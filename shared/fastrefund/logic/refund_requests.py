"""Asking for a refund: decided at once, and committed in one transaction when a route approves.

Reads: the order (and, when it has one, its open or approved request, which is returned as it stands);
when the platform guarantee does not approve, the merchant's settings: for an approval, a copy up to a
few seconds old (its reservation checks the policy version); otherwise read now, with the day's usage.
The buyer's standing is read with the order, in one BatchGetItem (the caller is the buyer, so its id is known
before the order is read): the risk flag, and the counted refunds. An approval commits only while the flag is
as read (a flag recorded first wins), and counts the new refund in the buyer's usage in the same transaction,
on the version read, whatever the rules' buyer limits say (so turning them on finds every refund of the
window): a buyer's concurrent requests are counted one after the other, and none passes the limits.
Writes: one transaction over the order and the new request; the merchant route first reserves the refund
on the day's usage (one single-item write, which checks the daily limit and the policy version), and takes
the reservation back if the transaction is cancelled. So an auto-refund is 2 calls on the platform route (the
order with the buyer's standing, the commit), 3 on the merchant's (the reservation between).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import Field, ValidationError

from fastrefund.domain import rules
from fastrefund.domain.clock import china_day
from fastrefund.domain.errors import (
    DailyLimitReached,
    InvalidBody,
    OrderClosed,
    OrderNotFound,
    PolicyChanged,
    RaceLost,
    TooManyRequests,
)
from fastrefund.domain.identity import Caller
from fastrefund.domain.models.buyer import BuyerStanding
from fastrefund.domain.models.common import Frozen, Reason, RefundReasonCode, Route
from fastrefund.domain.models.merchant import MerchantSettings, PolicyUsage
from fastrefund.domain.models.order import Order, OrderStatus
from fastrefund.domain.models.refund import (
    MAX_REQUESTS_PER_ORDER,
    DecisionInputs,
    Payout,
    Refund,
    RefundStatus,
)
from fastrefund.domain.rulebook import RuleBook
from fastrefund.logic.ports import Store
from fastrefund.logic.settling import settle
from fastrefund.platform.observability import logger


class RefundRequest(Frozen):
    reason: Annotated[str | None, Field(max_length=200, description="the buyer's words, at most 200 characters")] = None
    reason_code: RefundReasonCode = Field(default=RefundReasonCode.OTHER, description="why, as a code (absent: OTHER)")


def request_refund(
    order_id: str, body: object, caller: Caller, store: Store, rulebook: RuleBook, now: datetime
) -> tuple[Refund, bool]:
    """The order's refund request and whether this call created it (False: the open or approved one
    stands, returned unchanged, whatever `body` says). `body` is checked as a RefundRequest only when it
    makes a new request (InvalidBody otherwise)."""

    def step() -> tuple[Refund, bool]:
        # The caller is the order's buyer (or is refused as if the order did not exist): its standing is read
        # with the order, in one round trip
        order, buyer = store.refunds.order_and_standing(order_id, caller.sub)
        if order is None:
            raise OrderNotFound(order_id)
        caller.require_buyer(order)
        if order.refund_id is not None:  # its open or approved request stands
            _, existing = store.refunds.order_and_request(order_id, order.refund_id)
            if existing is not None:
                return existing, False
        if order.status is OrderStatus.CLOSED:
            raise OrderClosed(order_id)
        if order.refund_requests >= MAX_REQUESTS_PER_ORDER:
            raise TooManyRequests(order_id, MAX_REQUESTS_PER_ORDER)
        return _Decision(order, buyer, _parsed(body), store, rulebook, now).decide_and_commit(), True

    return settle(step, "refund request")


def _parsed(body: object) -> RefundRequest:
    try:
        return RefundRequest.model_validate(body or {})
    except ValidationError as exc:
        issues = exc.errors(include_url=False, include_input=False)
        raise InvalidBody([{**issue, "loc": ("body", *issue["loc"])} for issue in issues]) from exc


@dataclass(frozen=True)
class _Decision:
    """One request being decided: the order and the buyer's standing as read (an approval commits only while both
    are still so), what the buyer asked, the rules, the instant, and the store it commits to."""

    order: Order
    buyer: BuyerStanding
    request: RefundRequest
    store: Store
    rulebook: RuleBook
    now: datetime

    def decide_and_commit(self) -> Refund:
        platform = rules.platform_check(self.order, self.rulebook, self.now, self.buyer)
        if platform.eligible:
            return self._auto_refund(self._draft(platform), Route.PLATFORM_FAST_REFUND)
        try:
            return self._by_merchant_policy(platform, trust_copy=True)
        except PolicyChanged:  # the copy of the settings was older than the policy the day's usage works under
            return self._by_merchant_policy(platform, trust_copy=False)

    def _by_merchant_policy(self, platform: rules.RouteCheck, trust_copy: bool) -> Refund:
        """Auto-refund by the merchant's policy if it approves, counting the refund in the day's usage first;
        otherwise hand the request to review."""
        order, store, now, day = self.order, self.store, self.now, china_day(self.now)
        merchant, usage, decision = self._merchant_decision(platform, day, trust_copy)
        policy = merchant.auto_refund_policy
        if decision.approved is not None and policy is not None:
            amount_fen = order.paid_amount_fen
            try:
                reservation = store.usage.reserve(
                    order.merchant_id, day, policy, merchant.policy_version, amount_fen, now
                )
            except DailyLimitReached as full:
                usage = full.usage
                decision = rules.decide(order, platform, merchant, usage, self.request.reason_code)
            else:
                if reservation.usage_before is not None:  # known when the day has one counter, or rooms were dealt
                    usage = reservation.usage_before
                draft = self._draft(platform, merchant, decision, usage, reservation.counter)
                try:
                    return self._auto_refund(draft, Route.MERCHANT_AUTO_REFUND)
                except RaceLost:
                    store.usage.release(order.merchant_id, day, reservation.counter, amount_fen, now)
                    raise
        return self._hand_to_review(self._draft(platform, merchant, decision, usage), decision.reasons)

    def _merchant_decision(
        self, platform: rules.RouteCheck, day: date, trust_copy: bool
    ) -> tuple[MerchantSettings, PolicyUsage | None, rules.Decision]:
        """The merchant's settings, the day's usage (None: not read) and the decision on them.

        A copy of the settings up to a few seconds old is trusted only to approve, with the daily limits left
        to the reservation (which also checks the copy's policy version); any other decision is made on the
        settings and the day's usage read now, so that a policy just switched on is obeyed at once too, and a
        refusal names the daily limit whenever it binds.
        """
        merchant_id = self.order.merchant_id
        if trust_copy:
            merchant = self.store.merchants.recent_settings(merchant_id)
            decision = rules.decide(self.order, platform, merchant, PolicyUsage(day=day), self.request.reason_code)
            if decision.approved is not None:
                return merchant, None, decision
        merchant, usage = self.store.merchants.get_with_usage(merchant_id, day)
        return merchant, usage, rules.decide(self.order, platform, merchant, usage, self.request.reason_code)

    def _draft(
        self,
        platform: rules.RouteCheck,
        merchant: MerchantSettings | None = None,
        decision: rules.Decision | None = None,
        usage: PolicyUsage | None = None,
        usage_counter: int | None = None,
    ) -> Refund:
        """The refund of the whole paid amount, not yet decided, with what the decision read, for audit: the
        merchant's settings and the decision on them, when the merchant route was tried."""
        version = platform.rule_version or ""
        policy = merchant.auto_refund_policy if merchant else None
        policy_version = merchant.policy_version if merchant and policy else None
        rule_id = decision.policy_rule_id if decision else None
        return Refund(
            refund_id=str(uuid.uuid4()),
            order_id=self.order.order_id,
            merchant_id=self.order.merchant_id,
            buyer_id=self.order.buyer_id,
            status=RefundStatus.PENDING_REVIEW,
            route=None,
            rule_version=version,
            amount_fen=self.order.paid_amount_fen,
            reasons=[],
            buyer_reason=self.request.reason,
            reason_code=self.request.reason_code,
            policy_rule_id=rule_id,
            requested_at=self.now,
            decided_at=self.now,
            inputs=DecisionInputs.of(
                self.order,
                version,
                self.buyer.flag,
                policy=policy,
                policy_version=policy_version,
                policy_rule_id=rule_id,
                usage_before=usage,
                usage_counter=usage_counter,
            ),
        )

    def _auto_refund(self, draft: Refund, route: Route) -> Refund:
        refund = draft.model_copy(
            update={"status": RefundStatus.AUTO_REFUNDED, "route": route, "payout": Payout(updated_at=draft.decided_at)}
        )
        self.store.refunds.commit_auto_refund(refund, self.order, self.buyer)
        logger.info(
            "order auto-refunded", extra={"order_id": refund.order_id, "route": route, "amount": refund.amount_fen}
        )
        return refund

    def _hand_to_review(self, draft: Refund, reasons: list[Reason]) -> Refund:
        deadline = self.now + timedelta(seconds=self.rulebook.review_timeout_seconds)
        review = draft.model_copy(
            update={
                "status": RefundStatus.PENDING_REVIEW,
                "route": None,
                "reasons": reasons,
                "review_deadline": deadline,
            }
        )
        self.store.refunds.add_for_review(review, self.order)
        logger.info("refund handed to review", extra={"order_id": review.order_id, "reasons": reasons})
        return review
