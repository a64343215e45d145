"""The eligibility dry run, with the store in memory."""

from datetime import timedelta

import pytest

from devtools.factories import PAID_AT, default_rulebook, order, policy
from fastrefund.domain.errors import OrderNotFound
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.common import Reason, Route
from fastrefund.logic.eligibility import check_eligibility
from tests.unit.fakes import InMemoryStore

NOW = PAID_AT + timedelta(hours=1)
BUYER = Caller(sub="b-1", role=Role.BUYER)


def eligibility(store: InMemoryStore, caller: Caller = BUYER):
    return check_eligibility("o-1", caller, store, default_rulebook(), NOW)


def test_an_order_of_a_merchant_not_enrolled_lists_every_reason():
    store = InMemoryStore()
    store.orders.add_paid(order(badge_at_payment=False, product_type="VIRTUAL", paid_amount_fen=30000))

    answer = eligibility(store)

    assert answer.eligible is False
    assert answer.route is None
    assert answer.checks[0].reasons == [Reason.NO_FAST_REFUND_BADGE, Reason.VIRTUAL_GOODS, Reason.AMOUNT_OVER_LIMIT]


def test_an_order_above_300_yuan_falls_to_the_merchant_policy():
    store = InMemoryStore()
    store.orders.add_paid(order(paid_amount_fen=45000))
    store.merchants.set_auto_refund_policy("m-1", policy(daily_limit_amount_fen=100000), PAID_AT)

    answer = eligibility(store)

    assert answer.eligible is True
    assert answer.route is Route.MERCHANT_AUTO_REFUND
    assert answer.checks[0].reasons == [Reason.AMOUNT_OVER_LIMIT]


def test_the_merchant_policy_route_reads_todays_usage():
    store = InMemoryStore()
    store.orders.add_paid(order(paid_amount_fen=45000))
    store.merchants.set_auto_refund_policy("m-1", policy(daily_limit_amount_fen=50000), PAID_AT)

    assert eligibility(store).route is Route.MERCHANT_AUTO_REFUND
    store.merchants.usage[("m-1", NOW.date())] = store.merchants.get_with_usage("m-1", NOW.date())[1].model_copy(
        update={"amount_fen": 10000, "count": 1}
    )
    assert eligibility(store).checks[1].reasons == [Reason.DAILY_LIMIT_REACHED]


def test_another_buyers_order_is_as_unknown_as_one_that_does_not_exist():
    store = InMemoryStore()
    with pytest.raises(OrderNotFound) as unknown:
        eligibility(store)
    store.orders.add_paid(order())

    with pytest.raises(OrderNotFound) as unseen:
        eligibility(store, Caller(sub="b-2", role=Role.BUYER))

    assert (unseen.value.message, unseen.value.details) == (unknown.value.message, unknown.value.details)
