"""The review deadline's sweep, with the store in memory: partitions swept on their own, paged without
restarting, and a request that cannot be decided passed over and counted, never holding back the others."""

from datetime import timedelta

from devtools.factories import PAID_AT, default_rulebook, order
from fastrefund.logic import review_deadlines
from fastrefund.logic.refund_requests import request_refund
from tests.unit.fakes import InMemoryStore
from tests.unit.test_reviews import BUYER

ASKED = PAID_AT + timedelta(hours=1)
AFTER_DEADLINE = ASKED + timedelta(seconds=default_rulebook().review_timeout_seconds + 1)


def in_review(store: InMemoryStore, count: int) -> list[str]:
    """`count` orders over the guarantee's limit, each with its request in review: their ids."""
    order_ids = [f"o-{number}" for number in range(count)]
    for order_id in order_ids:
        store.orders.add_paid(order(order_id=order_id, paid_amount_fen=45000))
        request_refund(order_id, {}, BUYER, store, default_rulebook(), ASKED)
    return order_ids


def sweep_all(store: InMemoryStore) -> tuple[int, int]:
    outcomes = [
        review_deadlines.sweep(unit.partition, store, lambda: AFTER_DEADLINE, lambda: True)
        for unit in review_deadlines.units(store)
    ]
    return sum(outcome.decided for outcome in outcomes), sum(outcome.failed for outcome in outcomes)


def test_every_partition_is_handed_out_and_each_due_request_decided_once():
    store = InMemoryStore()
    in_review(store, 300)

    assert len(review_deadlines.units(store)) == 65
    assert sweep_all(store) == (300, 0)
    assert sweep_all(store) == (0, 0)


def test_requests_that_cannot_be_decided_are_counted_and_hold_back_none_of_the_others(monkeypatch):
    store = InMemoryStore()
    order_ids = in_review(store, 400)
    broken = set(order_ids[:150])  # the earliest deadlines of many partitions, more than a page in some
    approve = store.refunds.approve

    def failing_for_the_broken(refund, was, order_as_read):
        if refund.order_id in broken:
            raise RuntimeError("a transaction that keeps failing")
        approve(refund, was, order_as_read)

    monkeypatch.setattr(store.refunds, "approve", failing_for_the_broken)

    assert sweep_all(store) == (250, 150)
    assert sweep_all(store) == (0, 150)  # tried again every minute, still counted


def test_a_sweep_out_of_time_stops_between_pages_and_the_next_goes_on(monkeypatch):
    monkeypatch.setattr(review_deadlines, "PAGE", 2)
    store = InMemoryStore()
    in_review(store, 300)
    partition = review_deadlines.units(store)[0].partition
    due = len(store.refunds.due_for_timeout(partition, AFTER_DEADLINE, 1000)[0])
    one_page = iter([True, False])

    first = review_deadlines.sweep(partition, store, lambda: AFTER_DEADLINE, lambda: next(one_page))
    rest = review_deadlines.sweep(partition, store, lambda: AFTER_DEADLINE, lambda: True)

    assert due > 2
    assert (first.decided, rest.decided) == (2, due - 2)
    assert first.lag_seconds(AFTER_DEADLINE) == 1.0  # the earliest deadline, a second past
