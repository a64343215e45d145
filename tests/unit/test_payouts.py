"""The payment system's answers and ops' re-issue, with the store in memory."""

import json
from datetime import timedelta

import pytest

from devtools.factories import PAID_AT, default_rulebook, order
from fastrefund.domain.errors import Forbidden, PayoutNotFailed
from fastrefund.domain.identity import Caller, Role
from fastrefund.domain.models.refund import PayoutStatus
from fastrefund.logic import payouts
from fastrefund.logic.payouts import UnknownPayout, parse_result
from fastrefund.logic.refund_requests import request_refund
from tests.unit.fakes import InMemoryStore

NOW = PAID_AT + timedelta(hours=1)
OPS = Caller(sub="ops-1", role=Role.OPS)


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


def auto_refund(store) -> str:
    store.orders.add_paid(order())
    refund, _ = request_refund("o-1", {}, Caller(sub="b-1", role=Role.BUYER), store, default_rulebook(), NOW)
    return refund.refund_id


def result(refund_id: str, attempt: int = 1, failure: str | None = None):
    base = {"refund_id": refund_id, "payout_id": f"{refund_id}:{attempt}"}
    if failure:
        return parse_result_of(
            base | {"type": "REFUND_PAYOUT_FAILED", "failure_code": failure, "failed_at": NOW.isoformat()}
        )
    return parse_result_of(base | {"type": "REFUND_PAYOUT_SUCCEEDED", "paid_out_at": NOW.isoformat()})


def parse_result_of(body: dict):
    return parse_result(json.dumps(body))


def payout(store, refund_id):
    return store.refunds.refunds[refund_id].payout


def test_an_auto_refund_starts_its_payout_pending(store):
    refund_id = auto_refund(store)

    assert (payout(store, refund_id).status, payout(store, refund_id).attempts) == (PayoutStatus.PENDING, 1)


def test_success_is_recorded_once_and_is_final(store):
    refund_id = auto_refund(store)

    payouts.apply_result(result(refund_id), store)
    payouts.apply_result(result(refund_id, failure="ACCOUNT_CLOSED"), store)  # a late failure changes nothing
    payouts.apply_result(result(refund_id), store)

    assert payout(store, refund_id).status is PayoutStatus.SUCCEEDED


def test_a_failure_can_be_reissued_by_ops_and_the_old_attempts_answer_is_ignored(store):
    refund_id = auto_refund(store)
    payouts.apply_result(result(refund_id, failure="ACCOUNT_CLOSED"), store)
    assert (payout(store, refund_id).status, payout(store, refund_id).failure_code) == (
        PayoutStatus.FAILED,
        "ACCOUNT_CLOSED",
    )

    retried = payouts.retry_payout("o-1", refund_id, OPS, store, NOW)
    payouts.apply_result(result(refund_id, attempt=1), store)  # stale: attempt 1's late success

    assert (retried.payout.status, retried.payout.attempts) == (PayoutStatus.PENDING, 2)
    assert payout(store, refund_id).status is PayoutStatus.PENDING
    payouts.apply_result(result(refund_id, attempt=2), store)
    assert payout(store, refund_id).status is PayoutStatus.SUCCEEDED


def test_only_a_failed_payout_is_reissued_and_only_by_ops(store):
    refund_id = auto_refund(store)

    with pytest.raises(PayoutNotFailed):
        payouts.retry_payout("o-1", refund_id, OPS, store, NOW)
    with pytest.raises(Forbidden):
        payouts.retry_payout("o-1", refund_id, Caller(sub="u-1", role=Role.MERCHANT, merchant_id="m-1"), store, NOW)


@pytest.mark.parametrize("how", ["unknown-refund", "future-attempt", "other-refunds-payout"])
def test_a_result_for_no_instruction_is_refused(store, how):
    refund_id = auto_refund(store)
    unknown = {
        "unknown-refund": result("r-nope"),
        "future-attempt": result(refund_id, attempt=2),
        "other-refunds-payout": parse_result_of(
            {
                "type": "REFUND_PAYOUT_SUCCEEDED",
                "refund_id": refund_id,
                "payout_id": "r-x:1",
                "paid_out_at": NOW.isoformat(),
            }
        ),
    }[how]

    with pytest.raises(UnknownPayout):
        payouts.apply_result(unknown, store)
    assert payout(store, refund_id).status is PayoutStatus.PENDING


@pytest.mark.parametrize("attempt", ["01", "0", "+1", " 1", "1.0", "\u0661"])  # the last: an Arabic-Indic 1
def test_a_payout_id_not_spelled_as_instructed_is_refused_never_read_as_another_attempt(store, attempt):
    refund_id = auto_refund(store)
    spelled = parse_result_of(
        {
            "type": "REFUND_PAYOUT_SUCCEEDED",
            "refund_id": refund_id,
            "payout_id": f"{refund_id}:{attempt}",
            "paid_out_at": NOW.isoformat(),
        }
    )

    with pytest.raises(UnknownPayout):
        payouts.apply_result(spelled, store)
    assert payout(store, refund_id).status is PayoutStatus.PENDING
