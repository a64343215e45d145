"""The platform's risk flags on buyers: what a flag in force does to both routes, who may read it, and how the
flag and a refund that races it settle (whichever is recorded first wins)."""

import json
from datetime import timedelta

import pytest

from devtools.factories import PAID_AT, default_rulebook, order, policy
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.buyer import BuyerFlag
from fastrefund.domain.models.common import Reason, Route
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.logic import order_events
from fastrefund.logic.eligibility import check_eligibility
from fastrefund.logic.refund_requests import request_refund
from fastrefund.logic.refund_views import RefundView
from tests.unit.fakes import InMemoryStore

NOW = PAID_AT + timedelta(hours=1)
BUYER = Caller(sub="b-1", role=Role.BUYER)
MERCHANT = Caller(sub="u-1", role=Role.MERCHANT, merchant_id="m-1")


def flagged(at=NOW - timedelta(minutes=5), expires_at=None) -> dict:
    return {
        "type": "BUYER_RISK_FLAGGED",
        "buyer_id": "b-1",
        "reason_code": "SHIPPED_THEN_REFUNDED",
        "flagged_at": at.isoformat(),
        "expires_at": expires_at.isoformat() if expires_at else None,
    }


def cleared(at) -> dict:
    return {"type": "BUYER_RISK_CLEARED", "buyer_id": "b-1", "cleared_at": at.isoformat()}


def send(store: InMemoryStore, *events: dict) -> None:
    """Each event as the order events queue delivers it, through the intake's parsing and applying."""
    for event in events:
        order_events.apply(order_events.parse(json.dumps(event)), store)


@pytest.fixture
def store() -> InMemoryStore:
    store = InMemoryStore()
    store.orders.add_paid(order())
    return store


def ask(store: InMemoryStore):
    return request_refund("o-1", {}, BUYER, store, default_rulebook(), NOW)[0]


@pytest.mark.parametrize("route_policy", [None, policy()])
def test_a_flagged_buyer_goes_to_review_on_both_routes_and_the_decision_keeps_the_flag(store, route_policy):
    if route_policy:
        store.merchants.set_auto_refund_policy("m-1", route_policy, PAID_AT)
    send(store, flagged())

    refund = ask(store)

    assert refund.status is RefundStatus.PENDING_REVIEW
    assert Reason.BUYER_FLAGGED in refund.reasons
    assert refund.inputs.buyer_flag == store.buyers.standing("b-1").flag


def test_the_buyer_reads_not_eligible_and_the_merchant_reads_the_flag(store):
    send(store, flagged())
    refund = ask(store)

    buyer_view, merchant_view = RefundView.of(refund, BUYER), RefundView.of(refund, MERCHANT)
    buyer_dry_run = check_eligibility("o-1", BUYER, store, default_rulebook(), NOW)
    merchant_dry_run = check_eligibility("o-1", MERCHANT, store, default_rulebook(), NOW)

    assert Reason.BUYER_NOT_ELIGIBLE in buyer_view.reasons and Reason.BUYER_FLAGGED not in buyer_view.reasons
    assert Reason.BUYER_FLAGGED in merchant_view.reasons
    buyer_reasons = {reason for check in buyer_dry_run.checks for reason in check.reasons}
    merchant_reasons = {reason for check in merchant_dry_run.checks for reason in check.reasons}
    assert Reason.BUYER_FLAGGED not in buyer_reasons and Reason.BUYER_NOT_ELIGIBLE in buyer_reasons
    assert Reason.BUYER_FLAGGED in merchant_reasons


@pytest.mark.parametrize(
    "events",
    [
        [flagged(), cleared(NOW - timedelta(minutes=1))],  # cleared after it was flagged
        [cleared(NOW - timedelta(minutes=1)), flagged()],  # the same, delivered in the other order
        [flagged(expires_at=NOW - timedelta(seconds=1))],  # expired
    ],
)
def test_a_cleared_or_expired_flag_no_longer_sends_the_buyer_to_review(store, events):
    send(store, *events)

    refund = ask(store)

    assert (refund.status, refund.route) == (RefundStatus.AUTO_REFUNDED, Route.PLATFORM_FAST_REFUND)


def test_a_repeated_flag_changes_nothing():
    store = InMemoryStore()
    flag = BuyerFlag(buyer_id="b-1", flagged=True, at=NOW, reason_code="R")

    assert store.buyers.record_flag(flag)
    assert not store.buyers.record_flag(flag)
    assert not store.buyers.record_flag(flag.model_copy(update={"at": NOW - timedelta(seconds=1)}))


def test_a_flag_recorded_between_the_read_and_the_commit_wins(store):
    # Given the risk system flags the buyer after this request read the buyer's standing, before its commit
    store.refunds.before_commit.append(lambda: send(store, flagged(at=NOW)))

    refund = ask(store)

    # Then the commit is refused, the request decided again on the flag, and the decision says it saw it
    assert refund.status is RefundStatus.PENDING_REVIEW
    assert Reason.BUYER_FLAGGED in refund.reasons
    assert refund.inputs.buyer_flag is not None and refund.inputs.buyer_flag.at == NOW
