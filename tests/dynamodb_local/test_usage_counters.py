"""A day's usage on several counters, on AWS's DynamoDB Local: a new day starts each counter with its share
of the limit, a refund no single counter can take is still taken while the day has room (and no more than
the limit), a limit lowered below the usage approves nothing more (even when a reservation is released
afterwards), and fewer counters later in the day still count the usage on the others."""

from datetime import timedelta

import pytest

from devtools.factories import policy
from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.errors import DailyLimitReached
from fastrefund.platform.config import Config, settings
from fastrefund.repositories import keys
from fastrefund.repositories.store import get_store
from fastrefund.repositories.usage_counters import read_counters

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
    counters = read_counters(settings(Config).policy_usage_table, "m-1", day, range(8))
    return sum(item.get("room_fen", 0) for item in counters.values())


def test_a_new_day_starts_each_counter_with_its_share_of_the_limit_each_a_partition_of_its_own(day_of):
    now, today = day_of
    four, version = set_policy(now - timedelta(seconds=1), usage_counters=4)
    day = today + timedelta(days=2)  # a day no policy change wrote: none of its counters exists yet
    usage = get_store().usage

    taken = {usage.reserve("m-1", day, four, version, 10_000, now).counter for _ in range(8)}

    counters = read_counters(usage.table_name, "m-1", day, range(8))
    assert set(counters) == taken <= {0, 1, 2, 3}
    for number, counter in counters.items():
        assert keys.usage_counter_of(counter["merchant_id"]) == ("m-1", number)
        assert counter["room_fen"] + counter["amount_fen"] == 25_000  # its share of 1,000 yuan, not dealt
    assert "counters" not in counters.get(0, {})  # no deal was needed
    assert usage.get("m-1", day).amount_fen == 80_000


def test_a_refund_no_single_counter_can_take_is_taken_while_the_day_has_room(day_of):
    now, day = day_of
    four, version = set_policy(now - timedelta(seconds=1), usage_counters=4)
    usage = get_store().usage
    usage.open_day("m-1", day, four, version)  # 250 yuan on each counter

    usage.reserve("m-1", day, four, version, 60_000, now)  # more than any counter holds: the rooms are dealt
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
