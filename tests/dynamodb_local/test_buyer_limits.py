"""A buyer never passes the rules' buyer limits, whatever the concurrency: on AWS's DynamoDB Local, 8 processes
ask for refunds of 8 of one buyer's orders at the same instant."""

import json
import os
from collections import Counter
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

import pytest

from bench.capacity.writes import item_size_of
from fastrefund.domain.clock import utc_now
from fastrefund.domain.models.buyer import BuyerUsage
from fastrefund.repositories import buyers, dynamo
from fastrefund.repositories.store import get_store
from tests.dynamodb_local import workers
from tests.dynamodb_local.test_atomicity import pay, stored
from tests.support import enrol_since, open_request

MAX_AUTO_REFUNDS = 5
ROUNDS = 4


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_buyer_one_refund_from_the_limit_gets_exactly_one_of_eight_at_once(pool, round_):
    # Given rules that allow a buyer 5 automatic refunds in 30 days, and a buyer with 4 already counted
    rules = Path(os.environ["RULES_FILE"])
    document = json.loads(rules.read_text())
    limits = {"window_days": 30, "max_auto_refunds": MAX_AUTO_REFUNDS, "max_auto_refund_fen": None}
    rules.write_text(json.dumps(document | {"buyer_limits": limits}))
    buyer_id, merchant_id, now = f"b-trust-{round_}", f"m-trust-{round_}", utc_now()
    usage = BuyerUsage(buyer_id=buyer_id)
    for n in range(MAX_AUTO_REFUNDS - 1):
        usage = usage.counting(19_900, now - timedelta(days=n + 1))
    item = dynamo.item_of(usage) | {"record": buyers.USAGE}
    dynamo.client().put_item(TableName=os.environ["BUYERS_TABLE"], Item=dynamo.encode(item))
    # and 8 of the buyer's orders, each covered by the fast refund guarantee
    enrol_since("2026-01-01T00:00:00+08:00", merchant_id=merchant_id)
    orders = [{"order_id": f"o-trust-{round_}-{n}", "merchant_id": merchant_id, "buyer_id": buyer_id} for n in range(8)]
    pay(orders)

    # When the buyer asks for all 8 refunds at the same instant, from 8 processes
    timings = pool.race(*((workers.ask_refund, order["order_id"], buyer_id) for order in orders))
    answers = [timed.answer for timed in timings]
    assert workers.overlapped(timings), "the eight requests were in flight together"

    # Then exactly one is auto-refunded, the 7 others go to review naming the buyer limit
    assert Counter(status for status, _ in answers) == {HTTPStatus.CREATED: 8}
    approved = [body for _, body in answers if body["status"] == "AUTO_REFUNDED"]
    reviewed = [body for _, body in answers if body["status"] == "PENDING_REVIEW"]
    print(f"\nround {round_}: {len(approved)} approved, {len(reviewed)} to review")
    assert len(approved) == 1
    assert len(reviewed) == 7
    # (the merchant has no policy of its own: that route says so too)
    assert all(body["reasons"] == ["BUYER_LIMIT_REACHED", "POLICY_DISABLED"] for body in reviewed), reviewed[0]
    # and the stored window usage is the approved refunds: the 4 before and this one
    counted = get_store().buyers.standing(buyer_id).usage
    assert counted.within(now, 30) == (MAX_AUTO_REFUNDS, MAX_AUTO_REFUNDS * 19_900)
    assert stored("ORDERS_TABLE", approved[0]["order_id"])["status"] == "REFUNDED"


FLAG_RACES = 20


def test_a_flag_and_a_refund_racing_agree_on_which_came_first(pool):
    # Given 20 buyers, each with one covered order
    enrol_since("2026-01-01T00:00:00+08:00", merchant_id="m-flag")
    buyers_ = [f"b-flag-{n}" for n in range(FLAG_RACES)]
    pay([{"order_id": f"o-flag-{n}", "merchant_id": "m-flag", "buyer_id": buyer} for n, buyer in enumerate(buyers_)])

    # When, four buyers at a time, the risk system flags the buyer at the instant the buyer asks for a refund
    outcomes, overlapping = Counter(), 0
    for first in range(0, FLAG_RACES, 4):
        racing = list(enumerate(buyers_[first : first + 4], start=first))
        calls = [
            call
            for n, buyer in racing
            for call in ((workers.ask_refund, f"o-flag-{n}", buyer), (workers.flag_buyer, buyer, utc_now().isoformat()))
        ]
        timings = pool.race(*calls)
        for (_, buyer), asked, flagging in zip(racing, timings[::2], timings[1::2], strict=True):
            overlapping += workers.overlapped([asked, flagging])
            status, refund = asked.answer
            assert status == HTTPStatus.CREATED, refund
            stored_flag = get_store().buyers.standing(buyer).flag
            decided = open_request(get_store(), refund["order_id"])[1]
            assert stored_flag is not None and stored_flag.flagged
            # Then the decision says which it saw, and agrees with it: no flag seen, approved; the stored flag
            # seen, in review because of it
            if refund["status"] == "AUTO_REFUNDED":
                assert decided.inputs.buyer_flag is None
            else:
                assert refund["reasons"] == ["BUYER_NOT_ELIGIBLE", "POLICY_DISABLED"]  # as the buyer reads it
                assert decided.inputs.buyer_flag == stored_flag
            outcomes[refund["status"]] += 1
    print(f"\n{FLAG_RACES} races, {overlapping} of them overlapping: {dict(outcomes)}")
    assert overlapping >= 0.9 * FLAG_RACES, "the flag and the refund of (nearly) every race were in flight together"
    assert set(outcomes) == {"AUTO_REFUNDED", "PENDING_REVIEW"}, "either may come first: both did"


def test_a_buyer_with_ten_thousand_counted_refunds_is_kept_in_a_few_kb_and_answered(local_tables, capsys):
    # Given a buyer with 10,000 automatic refunds counted in the last 30 days (a count a China day is kept)
    buyer_id, merchant_id, now = "b-heavy", "m-heavy", utc_now()
    usage = BuyerUsage(buyer_id=buyer_id)
    for n in range(10_000):
        usage = usage.counting(19_900, now - timedelta(days=29) + timedelta(minutes=4 * n))
    item = dynamo.item_of(usage) | {"record": buyers.USAGE}
    dynamo.client().put_item(TableName=os.environ["BUYERS_TABLE"], Item=dynamo.encode(item))
    kept = dynamo.client().get_item(
        TableName=os.environ["BUYERS_TABLE"], Key=buyers.key(buyer_id, buyers.USAGE), ReturnConsumedCapacity="TOTAL"
    )
    size = item_size_of(dynamo.decode(kept["Item"]))
    # and limits of 10 refunds in 30 days
    rules = Path(os.environ["RULES_FILE"])
    limits = {"window_days": 30, "max_auto_refunds": 10, "max_auto_refund_fen": None}
    rules.write_text(json.dumps(json.loads(rules.read_text()) | {"buyer_limits": limits}))
    enrol_since("2026-01-01T00:00:00+08:00", merchant_id=merchant_id)
    pay([{"order_id": "o-heavy", "merchant_id": merchant_id, "buyer_id": buyer_id}])

    # When the buyer asks for one more refund
    status, body = workers.ask_refund("o-heavy", buyer_id)

    # Then it is answered (to review: past the limit), and what is kept of the buyer stays far below 400 KB
    with capsys.disabled():
        print(f"\n10,000 counted refunds: {len(usage.days)} days kept, {size:,} bytes, answered {status}")
    assert (status, body["status"], body["reasons"][0]) == (HTTPStatus.CREATED, "PENDING_REVIEW", "BUYER_LIMIT_REACHED")
    assert size < 4_000
    assert get_store().buyers.standing(buyer_id).usage.within(now, 30)[0] == 10_000
