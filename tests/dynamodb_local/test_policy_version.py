"""A container may decide on a copy of the merchant's settings read a few seconds ago; the day's usage
counter carries the policy version, so a copy older than the policy can never approve. On AWS's
DynamoDB Local, with a second repository standing for another container."""

from datetime import timedelta

import pytest

from devtools.factories import default_rulebook, order, policy
from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.errors import PolicyChanged
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.common import Reason, Route
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.logic.refund_requests import request_refund
from fastrefund.platform.config import get_config
from fastrefund.repositories.merchants import MerchantsRepository
from fastrefund.repositories.store import get_store

BUYER = Caller(sub="b-1", role=Role.BUYER)


def another_container() -> MerchantsRepository:
    return MerchantsRepository(get_config().merchants_table, get_config().policy_usage_table)


def ask(order_id: str):
    return request_refund(order_id, {}, BUYER, get_store(), default_rulebook(), utc_now())[0]


@pytest.fixture
def merchant_with_policy(local_tables) -> str:
    store = get_store()
    store.merchants.set_auto_refund_policy("m-1", policy(), utc_now() - timedelta(minutes=1))
    for order_id in ("o-1", "o-2"):
        store.orders.add_paid(order(order_id=order_id, paid_amount_fen=45000, badge_at_payment=False))
    return "m-1"


def test_a_policy_switched_off_elsewhere_is_obeyed_by_a_container_holding_the_old_settings(merchant_with_policy):
    # Given this container approved o-1 and so holds the settings (policy on) in its copy
    first = ask("o-1")
    assert first.route is Route.MERCHANT_AUTO_REFUND
    # When another container switches the policy off
    another_container().set_auto_refund_policy("m-1", policy(enabled=False), utc_now())

    refund = ask("o-2")

    # Then o-2 is not approved on the stale copy: it goes to review, naming the policy, and is not counted
    assert refund.status is RefundStatus.PENDING_REVIEW
    assert Reason.POLICY_DISABLED in refund.reasons
    today = get_store().usage.get("m-1", china_day(first.decided_at))
    assert (today.amount_fen, today.count) == (45000, 1)


def test_a_policy_change_also_binds_tomorrows_counter(merchant_with_policy):
    # Given a copy of the settings read before a policy change
    stale, now = get_store().merchants.recent_settings("m-1"), utc_now()
    another_container().set_auto_refund_policy("m-1", policy(max_refund_amount_fen=1000), now)
    tomorrow = china_day(now) + timedelta(days=1)

    # Then not even tomorrow's first reservation (which makes tomorrow's counter) can use that copy
    with pytest.raises(PolicyChanged):
        get_store().usage.reserve("m-1", tomorrow, stale.auto_refund_policy, stale.policy_version, 45000, utc_now())
    assert get_store().usage.get("m-1", tomorrow).amount_fen == 0


def test_a_policy_switched_on_elsewhere_is_obeyed_at_once(local_tables):
    store = get_store()
    for order_id in ("o-1", "o-2"):
        store.orders.add_paid(order(order_id=order_id, paid_amount_fen=45000, badge_at_payment=False))
    # Given this container read the merchant's settings (no policy) a moment ago
    assert ask("o-1").reasons[-1] is Reason.POLICY_DISABLED
    # When another container switches a policy on
    another_container().set_auto_refund_policy("m-1", policy(), utc_now())

    # Then the next request is approved by it, not refused on the copy
    assert ask("o-2").route is Route.MERCHANT_AUTO_REFUND
