"""Limits per buyer (the rules document's buyer_limits): at their edges, on both routes, in the dry run, against
a buyer's other refund counted between the read and the write; counted whatever the rules say, and bounded."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devtools.factories import PAID_AT, default_rulebook, order, policy
from fastrefund.domain.clock import china_day, start_of_china_day
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.buyer import LONGEST_WINDOW_DAYS, BuyerUsage
from fastrefund.domain.models.common import Reason, Route
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.domain.rulebook import BuyerLimits, RuleBook
from fastrefund.domain.rules import buyer_limit_reached
from fastrefund.logic.eligibility import check_eligibility
from fastrefund.logic.refund_requests import request_refund
from tests.unit.fakes import InMemoryStore

NOW = PAID_AT + timedelta(hours=1)
BUYER = Caller(sub="b-1", role=Role.BUYER)


def rules_with(**limits) -> RuleBook:
    return default_rulebook().model_copy(update={"buyer_limits": BuyerLimits(window_days=30, **limits)})


def earlier(*amounts_and_days_ago: tuple[int, float]) -> BuyerUsage:
    usage = BuyerUsage(buyer_id="b-1")
    for amount, days_ago in sorted(amounts_and_days_ago, key=lambda refund: -refund[1]):
        usage = usage.counting(amount, NOW - timedelta(days=days_ago))
    return usage


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


def test_a_refund_counts_until_the_end_of_the_china_day_the_window_leaves_it_on():
    # Given a refund decided 30 days and one hour ago, and one decided on the China day before that
    window_start = NOW - timedelta(days=30)
    day_before = start_of_china_day(china_day(window_start)) - timedelta(hours=1)
    usage = earlier((100, 30 + 1 / 24), (100, (NOW - day_before) / timedelta(days=1)))
    limits = BuyerLimits(window_days=30, max_auto_refunds=1)

    # Then the first still counts (the window's first China day counts whole), the second does not
    assert usage.within(NOW, 30) == (1, 100)
    assert buyer_limit_reached(limits, usage, 100, NOW)
    assert not buyer_limit_reached(limits, usage, 100, NOW + timedelta(days=1))


def test_every_refund_is_counted_whatever_the_rules_say_so_turning_limits_on_finds_them():
    # Given three auto-refunds of a buyer while the rules set no buyer limits
    store = InMemoryStore()
    for n in range(1, 5):
        store.orders.add_paid(order(order_id=f"o-{n}"))
    for n in range(1, 4):
        refund, _ = request_refund(f"o-{n}", {}, BUYER, store, default_rulebook(), NOW)
        assert refund.status is RefundStatus.AUTO_REFUNDED

    # When limits of three refunds are turned on
    fourth, _ = request_refund("o-4", {}, BUYER, store, rules_with(max_auto_refunds=3), NOW)

    # Then the fourth request sees the three
    assert store.buyers.standing("b-1").usage.within(NOW, 30) == (3, 3 * 19_900)
    assert fourth.status is RefundStatus.PENDING_REVIEW
    assert Reason.BUYER_LIMIT_REACHED in fourth.reasons


@given(days_ago=st.lists(st.floats(0, 2 * LONGEST_WINDOW_DAYS), max_size=60))
def test_what_is_kept_of_a_buyer_is_a_count_a_day_within_the_longest_window_of_the_newest(days_ago):
    usage = earlier(*[(100, ago) for ago in days_ago])

    newest = NOW - timedelta(days=min(days_ago, default=0))
    first_reachable = china_day(newest - timedelta(days=LONGEST_WINDOW_DAYS))
    assert len(usage.days) <= LONGEST_WINDOW_DAYS + 1
    assert all(day >= first_reachable for day in usage.days)
    # and the longest window still counts every refund it reaches: none was dropped too early
    reachable = [ago for ago in days_ago if china_day(NOW - timedelta(days=ago)) >= first_reachable]
    assert usage.within(newest, LONGEST_WINDOW_DAYS)[0] == len(reachable)


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
    assert store.buyers.standing("b-1").usage.within(NOW, 30) == (1, amount)
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
    assert store.buyers.standing("b-1").usage.within(NOW, 30)[0] == 1
