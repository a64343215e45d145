"""The rooms dealt to a day's usage counters: together exactly what the limit leaves (never more), evenly over
the policy's counters, none to a counter left from a larger number, and none at all when the usage is over."""

from hypothesis import given
from hypothesis import strategies as st

from devtools.factories import policy, usage
from fastrefund.domain.models.merchant import MAX_USAGE_COUNTERS
from fastrefund.domain.reservations import Rooms


@given(
    limit=st.integers(1, 10**12),
    count_limit=st.one_of(st.none(), st.integers(1, 10**6)),
    used=st.integers(0, 10**12),
    used_count=st.integers(0, 10**6),
    live=st.integers(1, MAX_USAGE_COUNTERS),
    left_over=st.integers(0, MAX_USAGE_COUNTERS),
)
def test_the_rooms_deal_exactly_what_the_limit_leaves(limit, count_limit, used, used_count, live, left_over):
    chosen = policy(daily_limit_amount_fen=limit, daily_limit_count=count_limit, usage_counters=live)
    counters = min(live + left_over, MAX_USAGE_COUNTERS)

    rooms = Rooms.dealt(chosen, usage(used, used_count), counters)

    over = used > limit or (count_limit is not None and used_count > count_limit)
    if over:  # a limit lowered below the usage: no room can be dealt
        assert rooms is None
        return
    assert rooms is not None and len(rooms.fen) == counters
    assert sum(rooms.fen) == limit - used
    assert max(rooms.fen[:live]) - min(rooms.fen[:live]) <= 1  # evenly
    assert all(room == 0 for room in rooms.fen[live:])  # none to a counter left from a larger number
    if count_limit is None:
        assert rooms.count is None
    else:
        assert rooms.count is not None and sum(rooms.count) == count_limit - used_count
        assert all(room >= 0 for room in rooms.count)
