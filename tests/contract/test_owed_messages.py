"""The outbox, as every OwedMessages port keeps it: a committed approval owes its notice and its payout
instruction until each is confirmed, and a confirmation happens once."""

from datetime import timedelta

from devtools.factories import order, refund_of
from fastrefund.domain.clock import utc_now
from fastrefund.domain.models.refund import Payout
from fastrefund.domain.notices import NOTICES, PAYOUTS
from fastrefund.logic.ports import Store

NOW = utc_now()


def test_an_approval_owes_its_messages_until_each_is_confirmed_once(store: Store):
    paid = order(paid_at=NOW - timedelta(hours=1))
    store.orders.add_paid(paid)
    refund = refund_of(paid, requested_at=NOW, decided_at=NOW, payout=Payout(updated_at=NOW))
    store.refunds.commit_auto_refund(refund, paid, store.buyers.standing(paid.buyer_id))
    later = NOW + timedelta(minutes=10)

    assert owed_ids(store, NOTICES, NOW - timedelta(minutes=1), 10) == []  # not yet owed
    for outbox in (NOTICES, PAYOUTS):
        assert owed_ids(store, outbox, later, 10) == [refund.refund_id]

    assert store.owed_messages.confirm_published(NOTICES, refund)
    assert not store.owed_messages.confirm_published(NOTICES, refund)  # confirmed already

    assert owed_ids(store, NOTICES, later, 10) == []
    assert owed_ids(store, PAYOUTS, later, 10) == [refund.refund_id]


def owed_ids(store: Store, outbox, cutoff, limit) -> list[str]:
    return [owing.refund_id for owing in store.owed_messages.owed_since_before(outbox, cutoff, limit)]
