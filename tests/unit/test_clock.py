"""Stored instants: fixed-width UTC text that sorts as the instants do (the indexes by deadline and by
owed-since compare them as strings)."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from fastrefund.domain.clock import EARLIEST, LATEST, to_storage

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
instants = st.datetimes(
    min_value=EARLIEST.replace(tzinfo=None), max_value=LATEST.replace(tzinfo=None), timezones=st.just(UTC)
).flatmap(lambda instant: offsets.map(instant.astimezone))


@given(instants)
def test_an_instant_is_stored_as_fixed_width_utc_text_that_reads_back_the_same(instant):
    text = to_storage(instant)

    assert len(text) == len("2026-11-27T03:18:15.766000Z") and text.endswith("Z")
    assert datetime.fromisoformat(text) == instant


@given(instants, instants)
def test_stored_instants_sort_as_the_instants_do(first, second):
    assert (to_storage(first) < to_storage(second)) == (first < second)
