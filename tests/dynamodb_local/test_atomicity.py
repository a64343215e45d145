"""Atomicity on AWS's DynamoDB Local, with 8 processes calling the handlers at once.

moto is not safe under concurrent requests, so these claims are tested only here: the daily limit
is never passed, a refund and a shipment never both win, and identical requests make one refund.
"""

import os
import random
from collections import Counter
from datetime import datetime, timedelta
from http import HTTPStatus

import pytest

from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.models.merchant import AutoRefundPolicy
from fastrefund.repositories import dynamo
from fastrefund.repositories.store import get_store
from tests.dynamodb_local import workers
from tests.support import enrol_since, invoke, paid_order_message, sqs_batch

REPETITIONS = 5
DAILY_LIMIT_FEN = 200_000
DAILY_LIMIT_COUNT = 6
RACES = 50


def pay(orders: list[dict]) -> None:
    for start in range(0, len(orders), 10):
        batch = sqs_batch(*(paid_order_message(**order) for order in orders[start : start + 10]))
        assert invoke("order_events", batch) == {"batchItemFailures": []}


def stored(table_env: str, order_id: str) -> dict | None:
    item = dynamo.client().get_item(TableName=os.environ[table_env], Key={"order_id": {"S": order_id}}).get("Item")
    return dynamo.decode(item) if item else None


def requests_of(order_id: str) -> list[dict]:
    response = dynamo.client().query(
        TableName=os.environ["REFUNDS_TABLE"],
        KeyConditionExpression="order_id = :order_id",
        ExpressionAttributeValues={":order_id": {"S": order_id}},
    )
    return [dynamo.decode(item) for item in response["Items"]]


@pytest.mark.parametrize("repetition", range(REPETITIONS))
def test_the_daily_limit_is_never_passed_under_concurrency(pool, repetition):
    # Given a merchant outside the fast refund service, with a policy of 2,000 yuan and 6 refunds a
    # day, and 32 orders: large ones (the yuan limit binds) or, every other repetition, small ones
    # (the count limit binds); the day's usage on one counter, or (from the third repetition) four; the
    # policy set just now (today's counters written by the change, so the first refunds deal the rooms) or,
    # in the second and third repetitions, two days ago (today's counters start with their shares)
    counters = 1 if repetition < 2 else 4
    set_at = utc_now() - timedelta(days=2 if repetition in (1, 2) else 0)
    merchant_id = f"m-limit-{repetition}"
    rng = random.Random(repetition)
    low, high = (30_000, 50_000) if repetition % 2 == 0 else (1_000, 5_000)
    orders = [
        {
            "order_id": f"o-{repetition}-{n}",
            "merchant_id": merchant_id,
            "buyer_id": f"b-{n}",
            "paid_amount_fen": rng.randint(low, high),
        }
        for n in range(32)
    ]
    pay(orders)
    policy = AutoRefundPolicy(
        enabled=True,
        max_refund_amount_fen=50_000,
        daily_limit_amount_fen=DAILY_LIMIT_FEN,
        daily_limit_count=DAILY_LIMIT_COUNT,
        usage_counters=counters,
    )
    get_store().merchants.set_auto_refund_policy(merchant_id, policy, set_at)

    # When every buyer asks, eight at once
    rounds = [
        pool.race(*((workers.ask_refund, o["order_id"], o["buyer_id"]) for o in orders[first : first + 8]))
        for first in range(0, len(orders), 8)
    ]
    assert all(workers.overlapped(timings) for timings in rounds), "each round's eight calls were in flight together"
    answers = [timed.answer for timings in rounds for timed in timings]

    # Then the approved total and count stay within the limits, and storage agrees with every answer
    statuses = Counter(status for status, _ in answers)
    approved = [body for status, body in answers if status == HTTPStatus.CREATED and body["status"] == "AUTO_REFUNDED"]
    reviewed = [body for status, body in answers if status == HTTPStatus.CREATED and body["status"] == "PENDING_REVIEW"]
    approved_fen = sum(body["amount_fen"] for body in approved)
    print(
        f"\nrepetition {repetition} ({counters} counters): {len(approved)} approved of {DAILY_LIMIT_COUNT} allowed"
        f" ({approved_fen} fen of {DAILY_LIMIT_FEN}), {len(reviewed)} to review, statuses {dict(statuses)}"
    )
    assert approved_fen <= DAILY_LIMIT_FEN
    assert len(approved) <= DAILY_LIMIT_COUNT
    assert approved, "some refunds fit the limit"
    for body in reviewed:
        over_platform_limit = ["AMOUNT_OVER_LIMIT"] if body["amount_fen"] >= 30_000 else []
        assert body["reasons"] == ["NO_FAST_REFUND_BADGE", *over_platform_limit, "DAILY_LIMIT_REACHED"]
        # and rightly so: room left at the end (on whichever counter) would have taken it
        assert body["amount_fen"] > DAILY_LIMIT_FEN - approved_fen or len(approved) == DAILY_LIMIT_COUNT
    assert set(statuses) <= {HTTPStatus.CREATED, HTTPStatus.SERVICE_UNAVAILABLE}
    # (the day the refunds were decided on, read from them: a run may cross midnight in China)
    [day] = {china_day(datetime.fromisoformat(body["decided_at"])) for body in approved}
    _, today = get_store().merchants.get_with_usage(merchant_id, day)
    assert (today.amount_fen, today.count) == (approved_fen, len(approved))
    refunded = {body["order_id"] for body in approved}
    for order in orders:
        expected = "REFUNDED" if order["order_id"] in refunded else "PAID"
        assert stored("ORDERS_TABLE", order["order_id"])["status"] == expected


def test_a_refund_and_a_shipment_never_both_win(pool):
    # Given 50 unshipped orders of an enrolled merchant
    enrol_since("2026-01-01T00:00:00+08:00", merchant_id="m-race")
    orders = [{"order_id": f"o-race-{n}", "merchant_id": "m-race", "buyer_id": f"b-{n}"} for n in range(RACES)]
    pay(orders)

    # When, four orders at a time, the buyer asks for a refund and the ERP ships at the same instant
    outcomes, overlapping = Counter(), 0
    for first in range(0, RACES, 4):
        racing = orders[first : first + 4]
        calls = [
            call
            for order in racing
            for call in (
                (workers.ask_refund, order["order_id"], order["buyer_id"]),
                (workers.ship, order["order_id"], "m-race"),
            )
        ]
        timings = pool.race(*calls)
        for order, refund_timed, shipment_timed in zip(racing, timings[::2], timings[1::2], strict=True):
            overlapping += workers.overlapped([refund_timed, shipment_timed])
            (refund_status, refund), (ship_status, shipment) = refund_timed.answer, shipment_timed.answer
            stored_order = stored("ORDERS_TABLE", order["order_id"])
            # Then exactly one wins, the loser gets the documented answer, and storage agrees
            if refund["status"] == "AUTO_REFUNDED":
                outcomes["refund won"] += 1
                assert ship_status == HTTPStatus.CONFLICT
                assert shipment["error"]["code"] == "ORDER_REFUNDED"
                assert shipment["action"] == "STOP_SHIPMENT"
                assert shipment["refund_id"] == refund["refund_id"]
                assert stored_order["status"] == "REFUNDED"
                assert stored_order["refund_id"] == refund["refund_id"]
            else:
                outcomes["shipment won"] += 1
                assert refund_status == HTTPStatus.CREATED
                assert refund["status"] == "PENDING_REVIEW"
                assert "ORDER_SHIPPED" in refund["reasons"]
                assert ship_status == HTTPStatus.OK
                assert stored_order["status"] == "SHIPPED"
                assert stored_order["refund_id"] == refund["refund_id"]  # its open request, in review
    print(f"\n{RACES} races, {overlapping} of them overlapping: {dict(outcomes)}")
    # a shipment is one write, a refund three calls: a worker woken late by a loaded machine can miss one now and
    # then, never most
    assert overlapping >= 0.9 * RACES, "the refund and the shipment of (nearly) every race were in flight together"


def test_identical_requests_at_once_make_one_refund(pool):
    enrol_since("2026-01-01T00:00:00+08:00", merchant_id="m-twin")
    pay([{"order_id": "o-twin", "merchant_id": "m-twin", "buyer_id": "b-twin"}])

    timings = pool.race(*[(workers.ask_refund, "o-twin", "b-twin")] * 8)

    answers = [timed.answer for timed in timings]
    statuses = Counter(status for status, _ in answers)
    refund_ids = {body["refund_id"] for _, body in answers}
    print(f"\n8 identical requests at once: statuses {dict(statuses)}, refund ids {len(refund_ids)}")
    assert workers.overlapped(timings)
    assert statuses == {HTTPStatus.CREATED: 1, HTTPStatus.OK: 7}
    assert len(refund_ids) == 1
    assert [request["refund_id"] for request in requests_of("o-twin")] == list(refund_ids)
    assert stored("ORDERS_TABLE", "o-twin")["refund_id"] in refund_ids
