"""The workbench's reads, as every RefundLists port answers them: a walk of the cursor, page after page,
returns exactly the refunds that match, each once, newest first; no page is longer than asked."""

from datetime import timedelta

import pytest

from devtools.factories import order, refund_of
from fastrefund.domain.clock import utc_now
from fastrefund.domain.models.common import Route
from fastrefund.logic.ports import Store
from fastrefund.repositories import refund_lists

NOW = utc_now()
# Several refunds share each decision instant: a position must still tell them apart
REFUNDS = [(n, NOW - timedelta(seconds=n // 3)) for n in range(60)]


def seeded(store: Store) -> list:
    stored = []
    for n, decided_at in REFUNDS:
        paid = order(order_id=f"o-{n}", paid_at=decided_at - timedelta(minutes=5))
        route = Route.MERCHANT_AUTO_REFUND if n % 7 == 0 else Route.PLATFORM_FAST_REFUND
        refund = refund_of(paid, route=route, refund_id=f"r-{n:02}", decided_at=decided_at)
        store.orders.add_paid(paid)
        store.refunds.commit_auto_refund(refund, paid, store.buyers.standing(paid.buyer_id))
        stored.append(refund)
    return sorted(stored, key=lambda refund: (refund.decided_at, refund.refund_id), reverse=True)


def walk(store: Store, limit: int, **filters: str) -> list[list[str]]:
    pages, before = [], None
    while True:
        page = store.refund_lists.merchant_refunds("m-1", None, None, filters, limit, before)
        assert len(page.refunds) <= limit
        pages.append([refund.refund_id for refund in page.refunds])
        if page.last is None:
            return pages
        assert before is None or page.last < before  # the search always moves on
        before = page.last


@pytest.mark.parametrize("limit", [1, 7, 100])
def test_a_walk_returns_every_refund_once_newest_first(store: Store, limit: int):
    expected = [refund.refund_id for refund in seeded(store)]

    pages = walk(store, limit)

    assert [refund_id for page in pages for refund_id in page] == expected


@pytest.mark.parametrize("budget", [8, 1000])
def test_a_filtered_walk_returns_exactly_the_matching_refunds(store: Store, budget: int, monkeypatch):
    # A budget of 8 (2 a spread) makes most pages stop short of a match, as a long history does
    monkeypatch.setattr(refund_lists, "PAGE_READ_BUDGET", budget)
    stored = seeded(store)
    expected = [refund.refund_id for refund in stored if refund.route is Route.MERCHANT_AUTO_REFUND]

    pages = walk(store, 3, route=Route.MERCHANT_AUTO_REFUND.value)

    assert [refund_id for page in pages for refund_id in page] == expected


def test_the_decision_window_bounds_the_walk(store: Store):
    stored = seeded(store)
    since, until = NOW - timedelta(seconds=12), NOW - timedelta(seconds=4)
    expected = [refund.refund_id for refund in stored if since <= refund.decided_at <= until]

    pages, before = [], None
    while True:
        page = store.refund_lists.merchant_refunds("m-1", since, until, {}, 4, before)
        pages += [refund.refund_id for refund in page.refunds]
        if page.last is None:
            break
        before = page.last

    assert pages == expected
