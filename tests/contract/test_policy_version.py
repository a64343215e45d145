"""A container may decide on a copy of the merchant's settings read a few seconds ago; the day's usage
counter carries the policy version, so a copy older than the policy can never approve. Over the fakes and over
DynamoDB Local, where a second repository stands for another container (the fakes keep no copy: they are held
to the same outcomes)."""

from datetime import timedelta

import pytest

from devtools.factories import default_rulebook, order, policy
from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.errors import PolicyChanged
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.common import Reason, Route
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.logic.ports import Merchants, Store
from fastrefund.logic.refund_requests import request_refund
from fastrefund.platform.config import Config, settings
from fastrefund.repositories.merchants import MerchantsRepository
from tests.unit.fakes import InMemoryStore

BUYER = Caller(sub="b-1", role=Role.BUYER)


def another_container(store: Store) -> Merchants:
    """The merchants' repository as another container holds it: with no copy of the settings of its own."""
    if isinstance(store, InMemoryStore):
        return store.merchants
    return MerchantsRepository(settings(Config).merchants_table, settings(Config).policy_usage_table)


def ask(store: Store, order_id: str):
    return request_refund(order_id, {}, BUYER, store, default_rulebook(), utc_now())[0]


@pytest.fixture
def with_policy(store: Store) -> Store:
    store.merchants.set_auto_refund_policy("m-1", policy(), utc_now() - timedelta(minutes=1))
    for order_id in ("o-1", "o-2"):
        store.orders.add_paid(order(order_id=order_id, paid_amount_fen=45000, badge_at_payment=False))
    return store


def test_a_policy_switched_off_elsewhere_is_obeyed_by_a_container_holding_the_old_settings(with_policy: Store):
    store = with_policy
    # Given this container approved o-1 and so holds the settings (policy on) in its copy
    first = ask(store, "o-1")
    assert first.route is Route.MERCHANT_AUTO_REFUND
    # When another container switches the policy off
    another_container(store).set_auto_refund_policy("m-1", policy(enabled=False), utc_now())

    refund = ask(store, "o-2")

    # Then o-2 is not approved on the stale copy: it goes to review, naming the policy, and is not counted
    assert refund.status is RefundStatus.PENDING_REVIEW
    assert Reason.POLICY_DISABLED in refund.reasons
    today = store.usage.get("m-1", china_day(first.decided_at))
    assert (today.amount_fen, today.count) == (45000, 1)


def test_a_policy_change_also_binds_tomorrows_counter(with_policy: Store):
    store = with_policy
    # Given a copy of the settings read before a policy change
    stale, now = store.merchants.recent_settings("m-1"), utc_now()
    another_container(store).set_auto_refund_policy("m-1", policy(max_refund_amount_fen=1000), now)
    tomorrow = china_day(now) + timedelta(days=1)

    # Then not even tomorrow's first reservation (which makes tomorrow's counter) can use that copy
    with pytest.raises(PolicyChanged):
        store.usage.reserve("m-1", tomorrow, stale.auto_refund_policy, stale.policy_version, 45000, utc_now())
    assert store.usage.get("m-1", tomorrow).amount_fen == 0


def test_a_policy_switched_on_elsewhere_is_obeyed_at_once(store: Store):
    for order_id in ("o-1", "o-2"):
        store.orders.add_paid(order(order_id=order_id, paid_amount_fen=45000, badge_at_payment=False))
    # Given this container read the merchant's settings (no policy) a moment ago
    assert ask(store, "o-1").reasons[-1] is Reason.POLICY_DISABLED
    # When another container switches a policy on
    another_container(store).set_auto_refund_policy("m-1", policy(), utc_now())

    # Then the next request is approved by it, not refused on the copy
    assert ask(store, "o-2").route is Route.MERCHANT_AUTO_REFUND
