"""The daily limit, stated once (rules.DailyRoom), holds the same in both places it is applied: the rules
engine judging the usage it read, and the reservation's condition on the stored usage.

On AWS's DynamoDB Local, at every boundary: exactly at the limit, one under, one over, for the yuan
total and for the count, and on a day with no usage stored yet.
"""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.errors import DailyLimitReached
from fastrefund.domain.models.merchant import AutoRefundPolicy, PolicyUsage
from fastrefund.domain.rules import would_exceed_daily_limit
from fastrefund.platform import config
from fastrefund.repositories import dynamo, keys
from fastrefund.repositories.store import get_store

# Today: a day's counters expire (TTL) a few days after it ends, and DynamoDB Local deletes expired items
DECIDED_AT = utc_now()
DAY = china_day(DECIDED_AT)
_numbers = itertools.count()


def reserved_with_stored_usage(policy: AutoRefundPolicy, usage: PolicyUsage | None, amount_fen: int) -> bool:
    """Store the day's usage (none: no item), then try the merchant route's reservation: True when it was
    counted, False when the stored usage refused it (and then it counted nothing)."""
    merchant_id = f"m-agree-{next(_numbers)}"
    if usage is not None:
        item = keys.usage(merchant_id, DAY) | dynamo.encode(
            {"amount_fen": usage.amount_fen, "refund_count": usage.count}
        )
        dynamo.client().put_item(TableName=config.settings(config.Config).policy_usage_table, Item=item)
    counters = get_store().usage
    before = counters.get(merchant_id, DAY)
    try:
        assert counters.reserve(merchant_id, DAY, policy, "v1", amount_fen, DECIDED_AT).usage_before == before
    except DailyLimitReached as refused:
        assert refused.usage == before == counters.get(merchant_id, DAY)
        return False
    after = counters.get(merchant_id, DAY)
    assert (after.amount_fen, after.count) == (before.amount_fen + amount_fen, before.count + 1)
    return True


def assert_both_agree(policy: AutoRefundPolicy, usage: PolicyUsage | None, amount_fen: int) -> None:
    judged = usage or PolicyUsage(day=DAY)
    rules_admit = not would_exceed_daily_limit(policy, judged, amount_fen)

    assert reserved_with_stored_usage(policy, usage, amount_fen) == rules_admit, (policy, usage, amount_fen)


def limits(amount_fen: int | None = 100_000, count: int | None = None) -> AutoRefundPolicy:
    return AutoRefundPolicy(
        enabled=True, max_refund_amount_fen=9_999_900, daily_limit_amount_fen=amount_fen, daily_limit_count=count
    )


@pytest.mark.parametrize("offset", [-1, 0, 1], ids=["one-under", "exactly-at", "one-over"])
def test_the_yuan_limit_agrees_at_its_edge(local_tables, offset):
    # usage + amount = limit + offset
    amount = 30_000
    assert_both_agree(limits(amount_fen=100_000), PolicyUsage(day=DAY, amount_fen=70_000 + offset, count=3), amount)


@pytest.mark.parametrize("offset", [-1, 0, 1], ids=["one-under", "exactly-at", "one-over"])
def test_the_count_limit_agrees_at_its_edge(local_tables, offset):
    # usage + 1 refund = limit + offset
    assert_both_agree(limits(count=5), PolicyUsage(day=DAY, amount_fen=1_000, count=4 + offset), 500)


@pytest.mark.parametrize("offset", [-1, 0, 1], ids=["one-under", "exactly-at", "one-over"])
def test_a_day_with_no_usage_yet_agrees_at_the_edge(local_tables, offset):
    # the first refund of the day is the whole usage: amount = limit + offset
    assert_both_agree(limits(amount_fen=50_000, count=1), None, 50_000 + offset)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    limit=st.integers(1, 500_000),
    count_limit=st.one_of(st.none(), st.integers(1, 20)),
    amount=st.integers(100, 600_000),
    used_offset=st.integers(-2, 2),
    count_offset=st.integers(-1, 1),
    fresh_day=st.booleans(),
)
def test_the_limits_agree_near_every_boundary(
    local_tables, limit, count_limit, amount, used_offset, count_offset, fresh_day
):
    used = max(0, limit - amount + used_offset)
    count = max(0, (count_limit or 1) - 1 + count_offset)
    usage = None if fresh_day else PolicyUsage(day=DAY, amount_fen=used, count=count)

    assert_both_agree(limits(amount_fen=limit, count=count_limit), usage, amount)
