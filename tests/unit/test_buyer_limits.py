"""Limits per buyer (the rules document's buyer_limits): at their edges, on both routes, in the dry run, and
against a buyer's other refund counted between the read and the write."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.buyer import BuyerUsage, CountedRefund
from fastrefund.domain.models.common import Reason, Route
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.domain.rulebook import BuyerLimits, RuleBook
from fastrefund.domain.rules import buyer_limit_reached
from fastrefund.logic import settling
from fastrefund.logic.eligibility import check_eligibility
from fastrefund.logic.refund_requests import request_refund
from tests.unit.factories import PAID_AT, default_rulebook, order, policy
from tests.unit.fakes import InMemoryStore

NOW = PAID_AT + timedelta(hours=1)
BUYER = Caller(sub="b-1", role=Role.BUYER)


def rules_with(**limits) -> RuleBook:
    return default_rulebook().model_copy(update={"buyer_limits": BuyerLimits(window_days=30, **limits)})


def earlier(*amounts_and_days_ago: tuple[int, float]) -> BuyerUsage:
    refunds = [
        CountedRefund(refund_id=f"r-old-{n}", amount_fen=amount, decided_at=NOW - timedelta(days=days_ago))
        for n, (amount, days_ago) in enumerate(amounts_and_days_ago)
    ]
    return BuyerUsage(buyer_id="b-1", refunds=refunds, version=len(refunds))


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):
    monkeypatch.setattr(settling.time, "sleep", lambda _: None)


@given(count=st.integers(0, 12), max_count=st.integers(0, 12))
def test_the_count_limit_admits_exactly_up_to_its_maximum(count, max_count):
    usage = earlier(*[(100, 1)] * count)

    reached = buyer_limit_reached(BuyerLimits(window_days=30, max_auto_refunds=max_count), usage, 100, NOW)

    assert reached is (count + 1 > max_count)


@given(used=st.integers(0, 400_000), amount=st.integers(1, 30_000))
def test_the_amount_limit_admits_exactly_up_to_its_maximum(used, amount):
    usage = earlier((used, 2)) if used else earlier()

    reached = buyer_limit_reached(BuyerLimits(window_days=30, max_auto_refund_fen=300_000), usage, amount, NOW)

    assert reached is (used + amount > 300_000)


def test_refunds_older_than_the_window_do_not_count():
    usage = earlier((100, 30), (100, 29.99))  # one just left the window, one is inside

    assert not buyer_limit_reached(BuyerLimits(window_days=30, max_auto_refunds=2), usage, 100, NOW)
    assert buyer_limit_reached(BuyerLimits(window_days=30, max_auto_refunds=1), usage, 100, NOW)


def test_no_limits_set_reads_nothing_of_the_buyer():
    store = InMemoryStore()
    store.orders.add_paid(order())
    store.buyers.usages["b-1"] = earlier(*[(100, 1)] * 50)

    refund, _ = request_refund("o-1", {}, BUYER, store, default_rulebook(), NOW)

    assert refund.status is RefundStatus.AUTO_REFUNDED
    assert store.buyers.standing("b-1").usage.version == 50  # not counted: no limits, no count


@pytest.mark.parametrize("route", [Route.PLATFORM_FAST_REFUND, Route.MERCHANT_AUTO_REFUND])
def test_an_approval_counts_and_the_next_past_the_limit_goes_to_review_with_the_reason(route):
    store = InMemoryStore()
    amount = 19_900 if route is Route.PLATFORM_FAST_REFUND else 45_000
    store.merchants.set_auto_refund_policy("m-1", policy(), PAID_AT)
    for n in (1, 2):
        store.orders.add_paid(order(order_id=f"o-{n}", paid_amount_fen=amount))
    rules = rules_with(max_auto_refunds=1)

    first, _ = request_refund("o-1", {}, BUYER, store, rules, NOW)
    second, _ = request_refund("o-2", {}, BUYER, store, rules, NOW)

    assert (first.status, first.route) == (RefundStatus.AUTO_REFUNDED, route)
    assert [counted.refund_id for counted in store.buyers.standing("b-1").usage.refunds] == [first.refund_id]
    assert second.status is RefundStatus.PENDING_REVIEW
    assert Reason.BUYER_LIMIT_REACHED in second.reasons


def test_the_dry_run_names_the_buyer_limit():
    store = InMemoryStore()
    store.orders.add_paid(order())
    store.buyers.usages["b-1"] = earlier((250_000, 3))

    answer = check_eligibility("o-1", BUYER, store, rules_with(max_auto_refund_fen=260_000), NOW)

    assert not answer.eligible
    assert all(Reason.BUYER_LIMIT_REACHED in check.reasons for check in answer.checks)


def test_a_refund_of_the_buyer_counted_meanwhile_is_seen_and_the_request_decided_again():
    # Given another of the buyer's orders is refunded between this request's read and its write
    store = InMemoryStore()
    for n in (1, 2):
        store.orders.add_paid(order(order_id=f"o-{n}"))
    rules = rules_with(max_auto_refunds=1)
    store.refunds.before_commit.append(lambda: request_refund("o-2", {}, BUYER, store, rules, NOW))

    refund, _ = request_refund("o-1", {}, BUYER, store, rules, NOW)

    # Then this one is decided again on the new count: to review, and the buyer has one refund counted
    assert refund.status is RefundStatus.PENDING_REVIEW
    assert Reason.BUYER_LIMIT_REACHED in refund.reasons
    assert len(store.buyers.standing("b-1").usage.refunds) == 1
