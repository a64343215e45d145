"""A request in review raced on DynamoDB Local: at the same instant the merchant approves, the ERP ships,
the buyer withdraws and the review deadline (already past) fires, from separate processes. Each time one
decision wins, every answer agrees with what is stored, and the table's stream shows one payout
instruction for an approval and none otherwise."""

import os
from collections import Counter
from datetime import timedelta
from http import HTTPStatus

from devtools.emulator.event_sources import read_stream
from fastrefund.domain.clock import to_storage, utc_now
from fastrefund.domain.notices import PAYOUTS
from fastrefund.repositories import dynamo
from fastrefund.repositories.refund_stream import change_of
from tests.dynamodb_local import workers
from tests.support import api_event, buyer, enrol_since, invoke, paid_order_message, response_json, sqs_batch

ROUNDS = 20  # two requests at a time, four calls each


ACTIONS = ("approve", "cancel", "expire")  # and the shipment


def past_its_deadline(order_id: str, refund_id: str) -> None:
    """The request's review deadline moved a second into the past, as if its 48 hours had gone by."""
    dynamo.client().update_item(
        TableName=os.environ["REFUNDS_TABLE"],
        Key={"order_id": {"S": order_id}, "refund_id": {"S": refund_id}},
        UpdateExpression="SET review_deadline = :past",
        ExpressionAttributeValues={":past": {"S": to_storage(utc_now() - timedelta(seconds=1))}},
    )


def stored_order(order_id: str) -> dict:
    item = dynamo.client().get_item(TableName=os.environ["ORDERS_TABLE"], Key={"order_id": {"S": order_id}})["Item"]
    return dynamo.decode(item)


def stored_request(order_id: str, refund_id: str) -> dict:
    key = {"order_id": {"S": order_id}, "refund_id": {"S": refund_id}}
    return dynamo.decode(dynamo.client().get_item(TableName=os.environ["REFUNDS_TABLE"], Key=key)["Item"])


def test_approve_ship_cancel_and_the_deadline_each_time_one_winner(local_tables, pool):
    # Given requests in review (450 yuan: over the guarantee) whose deadline has just passed
    enrol_since("2026-01-01T00:00:00+08:00", merchant_id="m-race")
    orders = [(f"o-review-{n}", f"b-{n}") for n in range(ROUNDS)]
    for first in range(0, ROUNDS, 10):
        batch = [
            paid_order_message(order_id=o, merchant_id="m-race", buyer_id=b, paid_amount_fen=45000)
            for o, b in orders[first : first + 10]
        ]
        assert invoke("order_events", sqs_batch(*batch)) == {"batchItemFailures": []}
    requests = {}
    for order_id, buyer_id in orders:
        request = api_event("orders_api_refund_request", caller=buyer(buyer_id), path={"order_id": order_id}, body={})
        requests[order_id] = response_json(invoke("orders_api", request))["refund_id"]
        past_its_deadline(order_id, requests[order_id])

    # When, two requests at a time, all four act at the same instant
    outcomes, overlapping = Counter(), 0
    for first in range(0, ROUNDS, 2):
        racing = [(order_id, buyer_id, requests[order_id]) for order_id, buyer_id in orders[first : first + 2]]
        calls = [
            call
            for order_id, buyer_id, refund_id in racing
            for call in (
                *((workers.decide, action, order_id, refund_id, "m-race", buyer_id) for action in ACTIONS),
                (workers.ship, order_id, "m-race"),
            )
        ]
        timings = pool.race(*calls)
        for n, (order_id, _, refund_id) in enumerate(racing):
            own = timings[4 * n : 4 * n + 4]
            overlapping += workers.overlapped(own)
            (approve_status, approved), (cancel_status, cancelled), (_, expired), (ship_status, shipment) = (
                timed.answer for timed in own
            )
            request, order = stored_request(order_id, refund_id), stored_order(order_id)
            # Then one decision won, and every answer agrees with what is stored
            if request["status"] == "CANCELLED":
                outcomes["buyer withdrew"] += 1
                assert cancel_status == HTTPStatus.OK and cancelled["status"] == "CANCELLED"
                assert (
                    approve_status == HTTPStatus.CONFLICT and approved["error"]["details"][0]["status"] == "CANCELLED"
                )
                assert expired == {}
                assert "payout" not in request or request["payout"] is None
                assert "refund_id" not in order
                assert ship_status == HTTPStatus.OK and order["status"] == "SHIPPED"  # a withdrawal blocks nothing
            else:
                assert request["status"] == "APPROVED"
                by = request["resolution"]["by"]
                outcomes[f"approved by {by}"] += 1
                assert approve_status == HTTPStatus.OK and approved["resolution"]["by"] == by
                assert (expired.get("resolution") or {}).get("by") in (None, by)
                assert bool(expired) == (by == "REVIEW_TIMEOUT")
                assert cancel_status == HTTPStatus.CONFLICT and cancelled["error"]["details"][0]["status"] == "APPROVED"
                assert request["payout"]["attempts"] == 1
                assert (order["status"], order["refund_id"]) == ("REFUNDED", refund_id)
                # the shipment came first (then the approval says so) or was refused
                if ship_status == HTTPStatus.OK:
                    outcomes["shipped before the approval"] += 1
                    assert request["shipped_when_approved"] is True
                else:
                    assert shipment["error"]["code"] == "ORDER_REFUNDED"
                    assert request["shipped_when_approved"] is False

    # And the stream shows one payout instruction per approval, none for a withdrawal
    stream_arn = local_tables.resolve.attributes[("RefundsTable", "StreamArn")]
    instructions = Counter()
    for record in read_stream(local_tables.client("dynamodbstreams"), stream_arn):
        for instruction in PAYOUTS.newly_owed(*change_of(record["dynamodb"])):
            instructions[instruction.refund_id] += 1
    approved_ids = {requests[o] for o, _ in orders if stored_request(o, requests[o])["status"] == "APPROVED"}
    print(
        f"\n{ROUNDS} rounds of approve/ship/cancel/deadline, {overlapping} overlapping: {dict(outcomes)};"
        f" payouts {sum(instructions.values())}"
    )
    assert overlapping >= 0.9 * ROUNDS, "the four calls of (nearly) every round were in flight together"
    assert set(instructions) == approved_ids
    assert set(instructions.values()) <= {1}
    assert sum(outcomes[key] for key in outcomes if not key.startswith("shipped")) == ROUNDS
