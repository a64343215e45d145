"""The reconciliation, with the store in memory: a message owed and not confirmed for longer than the
grace is sent again (same id) and confirmed; nothing else is sent."""

from datetime import timedelta

from devtools.factories import PAID_AT, default_rulebook, order
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.notices import NOTICES, PAYOUTS
from fastrefund.logic.reconciliation import republish_overdue
from fastrefund.logic.refund_requests import request_refund
from tests.unit.fakes import InMemoryStore, RecordingPublisher

NOW = PAID_AT + timedelta(hours=1)
GRACE = timedelta(minutes=5)


def republish(store: InMemoryStore, outbox, publisher, now, grace) -> int:
    """One reconciler run of one outbox, with time to spare: how many it sent."""
    return republish_overdue(store.owed_messages, outbox, publisher, now, grace, lambda: True).sent


def auto_refunded(store: InMemoryStore):
    """An order auto-refunded at NOW whose notice and payout were never published (the stream lost them)."""
    store.orders.add_paid(order())
    refund, _ = request_refund("o-1", {}, Caller(sub="b-1", role=Role.BUYER), store, default_rulebook(), NOW)
    return refund


def test_a_message_owed_past_the_grace_is_sent_again_once_with_its_id():
    store = InMemoryStore()
    refund = auto_refunded(store)
    notices, payouts = RecordingPublisher(), RecordingPublisher()

    assert republish(store, NOTICES, notices, NOW + GRACE, GRACE) == 0  # not yet overdue
    assert republish(store, NOTICES, notices, NOW + GRACE * 2, GRACE) == 1
    assert republish(store, PAYOUTS, payouts, NOW + GRACE * 2, GRACE) == 1
    assert republish(store, NOTICES, notices, NOW + GRACE * 3, GRACE) == 0  # confirmed now

    assert [n.message_id() for n in notices.published] == [NOTICES.owed(refund).message_id()]
    assert [p.message_id() for p in payouts.published] == [f"{refund.refund_id}:1"]


def test_a_message_confirmed_by_its_publisher_is_not_sent_again():
    store = InMemoryStore()
    refund = auto_refunded(store)
    assert store.owed_messages.confirm_published(NOTICES, refund)
    publisher = RecordingPublisher()

    assert republish(store, NOTICES, publisher, NOW + GRACE * 2, GRACE) == 0
    assert publisher.attempted == []


def test_a_message_that_fails_again_stays_owed_for_the_next_run():
    store = InMemoryStore()
    refund = auto_refunded(store)

    failing = RecordingPublisher(failing={refund.refund_id})
    assert republish(store, NOTICES, failing, NOW + GRACE * 2, GRACE) == 0
    working = RecordingPublisher()
    assert republish(store, NOTICES, working, NOW + GRACE * 3, GRACE) == 1
    assert failing.attempted[0].message_id() == working.published[0].message_id()
