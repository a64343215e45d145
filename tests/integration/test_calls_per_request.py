"""The hot path at its floor, counted over the handlers by a botocore event hook: a platform-route refund makes one
read round trip (the order with the buyer's standing) and one transactional write; a merchant-route refund one
reservation more; the buyer's dry run two reads; a shipment one write; an approval in review a read and a write."""

from collections import Counter
from http import HTTPStatus

import pytest

from devtools.factories import policy
from fastrefund.domain.clock import utc_now
from fastrefund.platform import aws_clients
from fastrefund.repositories.store import get_store
from tests.support import api_event, ask_refund, buyer, enrol_since, invoke, merchant, pay, response_json


@pytest.fixture
def calls(stack):
    """Every AWS call made from the fixture on, by operation (the clients are made afresh: the hook is on each)."""
    counted: Counter[str] = Counter()
    aws_clients.reset()

    def count(event_name: str, **_: object) -> None:
        counted[event_name.removeprefix("before-call.")] += 1

    for service in ("dynamodb", "sns", "sqs", "ssm", "secretsmanager"):
        aws_clients.client(service).meta.events.register("before-call", count)
    return counted


def counted_during(calls: Counter[str], request) -> dict[str, int]:
    calls.clear()
    answer = request()
    assert answer["statusCode"] in (HTTPStatus.OK, HTTPStatus.CREATED), answer["body"]
    return dict(calls)


def refund(order_id: str):
    return lambda: ask_refund(order_id)


def test_each_hot_request_makes_the_floors_calls(calls):
    enrol_since("2026-01-01T00:00:00+08:00")
    get_store().merchants.set_auto_refund_policy("m-1", policy(), utc_now())
    pay(order_id="o-platform")
    for order_id in ("o-warm", "o-merchant", "o-review"):
        pay(order_id=order_id, paid_amount_fen=45_000)  # over the guarantee: the merchant's policy approves
    pay(order_id="o-ship")
    eligibility = api_event("orders_api_eligibility", caller=buyer(), path={"order_id": "o-platform"})
    invoke("orders_api", eligibility)  # the rules read once (cached for minutes)
    ask_refund("o-warm")

    assert counted_during(calls, lambda: invoke("orders_api", eligibility)) == {"dynamodb.BatchGetItem": 2}
    assert counted_during(calls, refund("o-platform")) == {
        "dynamodb.BatchGetItem": 1,
        "dynamodb.TransactWriteItems": 1,
    }
    assert counted_during(calls, refund("o-merchant")) == {  # the settings from the container's copy
        "dynamodb.BatchGetItem": 1,
        "dynamodb.UpdateItem": 1,
        "dynamodb.TransactWriteItems": 1,
    }
    shipment = api_event(
        "orders_api_shipment",
        caller=merchant(),
        path={"order_id": "o-ship"},
        body={"carrier": "SF", "tracking_number": "1"},
    )
    assert counted_during(calls, lambda: invoke("orders_api", shipment)) == {"dynamodb.UpdateItem": 1}

    get_store().merchants.set_auto_refund_policy("m-1", policy(enabled=False), utc_now())
    in_review = response_json(refund("o-review")())
    path = {"order_id": "o-review", "refund_id": in_review["refund_id"]}
    approval = api_event("refund_requests_api_approve", caller=merchant(), path=path)
    assert counted_during(calls, lambda: invoke("refund_requests_api", approval)) == {
        "dynamodb.BatchGetItem": 1,
        "dynamodb.TransactWriteItems": 1,
    }
