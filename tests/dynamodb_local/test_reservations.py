"""The reservation's writes on AWS's DynamoDB Local: a commit cancelled after the reservation takes it back,
a release after its bucket was reconciled changes nothing, and the reservation reports the usage before it."""

from datetime import timedelta

from devtools.factories import default_rulebook, order, policy
from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.common import Reason
from fastrefund.domain.models.order import Shipment
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.logic.refund_requests import request_refund
from fastrefund.repositories.refunds import RefundsRepository
from fastrefund.repositories.store import get_store

BUYER = Caller(sub="b-1", role=Role.BUYER)


def test_a_commit_cancelled_by_a_shipment_takes_its_reservation_back(local_tables, monkeypatch):
    store = get_store()
    store.merchants.set_auto_refund_policy("m-1", policy(), utc_now() - timedelta(minutes=1))
    store.orders.add_paid(order(order_id="o-1", paid_amount_fen=45000, badge_at_payment=False))
    commit = RefundsRepository.commit_auto_refund

    def shipped_first(self, refund, paid, *buyer):  # the merchant ships between the reservation and the commit
        store.orders.ship("o-1", Shipment(carrier="SF", tracking_number="SF1", shipped_at=utc_now()), None)
        return commit(self, refund, paid, *buyer)

    monkeypatch.setattr(RefundsRepository, "commit_auto_refund", shipped_first)

    now = utc_now()
    refund, _ = request_refund("o-1", {}, BUYER, store, default_rulebook(), now)

    assert refund.status is RefundStatus.PENDING_REVIEW and Reason.ORDER_SHIPPED in refund.reasons
    day = china_day(now)
    today = store.usage.get("m-1", day)
    assert (today.amount_fen, today.count) == (0, 0)
    [bucket] = store.leaked_reservations.open_buckets("m-1", day, [0])
    assert (bucket.amount_fen, bucket.count) == (0, 0)  # reserved and released in the same bucket
