"""What every store keeps of a buyer: the counted refunds (counted in the refund's own commit, and only from the
version the decision read) and the risk flag (the latest by its own time; a commit only while it is as read)."""

from datetime import timedelta

import pytest

from devtools.factories import order, refund_of
from fastrefund.domain.clock import utc_now
from fastrefund.domain.errors import BuyerFlagChanged, BuyerUsageChanged
from fastrefund.domain.models.buyer import BuyerFlag
from fastrefund.domain.models.order import OrderStatus
from fastrefund.logic.ports import Store
from tests.support import open_request

NOW = utc_now()


def paid(store: Store, order_id: str):
    placed = order(order_id=order_id, paid_at=NOW - timedelta(hours=1))
    store.orders.add_paid(placed)
    return placed


def test_a_refund_is_counted_with_its_commit(store: Store):
    placed = paid(store, "o-1")
    refund = refund_of(placed, decided_at=NOW)
    read = store.buyers.standing("b-1")

    store.refunds.commit_auto_refund(refund, placed, read)

    stored = store.buyers.standing("b-1").usage
    assert stored.version == 1
    assert stored.within(NOW, 30) == (1, refund.amount_fen)


def test_a_count_from_a_version_no_longer_stored_cancels_the_whole_commit(store: Store):
    # Given two refunds decided on the same read of the buyer's usage
    first_order, second_order = paid(store, "o-1"), paid(store, "o-2")
    read = store.buyers.standing("b-1")
    first, second = refund_of(first_order, decided_at=NOW), refund_of(second_order, decided_at=NOW)
    store.refunds.commit_auto_refund(first, first_order, read)

    with pytest.raises(BuyerUsageChanged):
        store.refunds.commit_auto_refund(second, second_order, read)

    # Then the second changed nothing: its order is still paid, and only the first is counted
    assert store.orders.get("o-2").status is OrderStatus.PAID
    assert open_request(store, "o-2")[1] is None
    assert store.buyers.standing("b-1").usage.within(NOW, 30) == (1, first.amount_fen)


def test_what_is_kept_of_a_buyer_stays_a_count_a_day_however_many_refunds(store: Store):
    # Given 40 refunds of one buyer on one China day, each counted in its own commit
    for n in range(40):
        placed = paid(store, f"o-{n}")
        store.refunds.commit_auto_refund(refund_of(placed, decided_at=NOW), placed, store.buyers.standing("b-1"))

    # Then one day is kept, counting all of them
    stored = store.buyers.standing("b-1").usage
    assert (len(stored.days), stored.version) == (1, 40)
    assert stored.within(NOW, 1) == (40, 40 * placed.paid_amount_fen)


def test_the_latest_word_on_a_buyer_wins_whatever_the_order_it_comes_in(store: Store):
    flagged = BuyerFlag(buyer_id="b-1", flagged=True, at=NOW, reason_code="R", expires_at=NOW + timedelta(days=1))
    cleared = BuyerFlag(buyer_id="b-1", flagged=False, at=NOW + timedelta(minutes=1))

    assert store.buyers.record_flag(cleared)
    assert not store.buyers.record_flag(flagged)  # older: it arrived late
    assert not store.buyers.record_flag(cleared)  # the same word again

    assert store.buyers.standing("b-1").flag == cleared


def test_a_flag_recorded_after_the_decision_read_cancels_its_commit(store: Store):
    placed = paid(store, "o-1")
    read = store.buyers.standing("b-1")
    store.buyers.record_flag(BuyerFlag(buyer_id="b-1", flagged=True, at=NOW, reason_code="R"))

    with pytest.raises(BuyerFlagChanged):
        store.refunds.commit_auto_refund(refund_of(placed, decided_at=NOW), placed, read)

    assert store.orders.get("o-1").status is OrderStatus.PAID
