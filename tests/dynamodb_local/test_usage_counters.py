"""A day's usage on several counters, on AWS's DynamoDB Local: the counters' rooms together never take more
than the limit leaves, a refund no single counter can take is still taken while the day has room, a limit
lowered below the usage approves nothing more (even when a reservation is released afterwards), and fewer
counters later in the day still count the usage on the others."""

from datetime import timedelta

import pytest

from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.errors import DailyLimitReached
from fastrefund.repositories import keys
from fastrefund.repositories.store import get_store
from tests.unit.factories import policy

LIMIT_FEN = 100_000


@pytest.fixture
def day_of(local_tables):
    now = utc_now()
    return now, china_day(now)


def set_policy(at, **changes):
    """Store a policy with a 1,000-yuan daily limit: (the policy, its version)."""
    stored = policy(**({"max_refund_amount_fen": 100_000, "daily_limit_amount_fen": LIMIT_FEN} | changes))
    return stored, get_store().merchants.set_auto_refund_policy("m-1", stored, at)


def rooms(day) -> int:
    usage = get_store().usage
    return sum(item.get("room_fen", 0) for item in usage.counters("m-1", day).values())


def test_each_counter_is_a_partition_of_its_own_and_the_rooms_deal_the_limit(day_of):
    now, day = day_of
    four, version = set_policy(now - timedelta(seconds=1), usage_counters=4)

    reservation = get_store().usage.reserve("m-1", day, four, version, 10_000, now)

    counters = get_store().usage.counters("m-1", day)
    assert sorted(item["merchant_id"] for item in counters.values()) == ["m-1", "m-1#1", "m-1#2", "m-1#3"]
    assert keys.usage_counter_of(counters[reservation.counter]["merchant_id"]) == ("m-1", reservation.counter)
    assert [counters[k]["room_fen"] for k in range(4)] == [22_500] * 4  # (1,000 - 100 yuan) / 4
    assert get_store().usage.get("m-1", day).amount_fen == 10_000


def test_a_refund_no_single_counter_can_take_is_taken_while_the_day_has_room(day_of):
    now, day = day_of
    four, version = set_policy(now - timedelta(seconds=1), usage_counters=4)
    usage = get_store().usage
    usage.open_day("m-1", day, four, version)  # 250 yuan on each counter

    usage.reserve("m-1", day, four, version, 60_000, now)  # more than any counter holds
    assert rooms(day) == 40_000
    usage.reserve("m-1", day, four, version, 40_000, now)  # exactly what is left

    with pytest.raises(DailyLimitReached) as refused:
        usage.reserve("m-1", day, four, version, 100, now)
    assert (refused.value.usage.amount_fen, refused.value.usage.count) == (LIMIT_FEN, 2)
    assert rooms(day) == 0


@pytest.mark.parametrize("counters", [1, 4])  # on 1, each step meets the counter its release gave room back to
def test_a_limit_lowered_below_the_usage_approves_nothing_more_even_after_a_release(day_of, counters):
    now, day = day_of
    usage = get_store().usage
    chosen, version = set_policy(now - timedelta(seconds=2), usage_counters=counters)
    reservations = [usage.reserve("m-1", day, chosen, version, 30_000, now) for _ in range(3)]  # 900 yuan

    # When the limit is lowered to 500 yuan (the policy change deals the day's rooms at once, as the API does),
    # and then one reservation is released (its commit cancelled)
    lowered, version = set_policy(now - timedelta(seconds=1), usage_counters=counters, daily_limit_amount_fen=50_000)
    usage.open_day("m-1", day, lowered, version)
    assert usage.release("m-1", day, reservations[0].counter, 30_000, now)

    # Then the day, at 600 yuan, is still over 500: nothing is approved, however small
    with pytest.raises(DailyLimitReached) as refused:
        usage.reserve("m-1", day, lowered, version, 100, now)
    assert refused.value.usage.amount_fen == 60_000

    # And once another is released (300 yuan), exactly the 200 yuan left are approved, no more
    assert usage.release("m-1", day, reservations[1].counter, 30_000, now)
    usage.reserve("m-1", day, lowered, version, 20_000, now)
    with pytest.raises(DailyLimitReached):
        usage.reserve("m-1", day, lowered, version, 100, now)
    assert usage.get("m-1", day).amount_fen == 50_000


def test_fewer_counters_later_in_the_day_still_count_the_usage_on_the_others(day_of):
    now, day = day_of
    usage = get_store().usage
    four, version = set_policy(now - timedelta(seconds=2), usage_counters=4)
    for _ in range(3):
        usage.reserve("m-1", day, four, version, 25_000, now)

    one, version = set_policy(now - timedelta(seconds=1), usage_counters=1)

    _, today = get_store().merchants.get_with_usage("m-1", day)
    assert (today.amount_fen, today.count) == (75_000, 3)
    with pytest.raises(DailyLimitReached):
        usage.reserve("m-1", day, one, version, 30_000, now)
    assert usage.reserve("m-1", day, one, version, 25_000, now).counter == 0
    assert usage.get("m-1", day).amount_fen == LIMIT_FEN
