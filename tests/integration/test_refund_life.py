"""The refund's life after the request, through the handlers under moto: review decisions over the API,
the review deadline, payout instructions on their topic, and the payment system's answers."""

import json
from http import HTTPStatus

import jsonschema
import pytest

from devtools.catalogue.template import ROOT
from tests.support import (
    api_event,
    buyer,
    enrol_since,
    event,
    invoke,
    merchant,
    ops,
    past_deadline,
    pay,
    response_json,
    sqs_batch,
    sweep_review_deadlines,
)

PAYOUT_SCHEMA = json.loads((ROOT / "docs" / "payout.schema.json").read_text())
REQUEST = "/orders/{order_id}/refund-requests/{refund_id}"


@pytest.fixture
def review(stack) -> dict:
    """o-1 paid at 450 yuan (over the guarantee, no merchant policy): its request goes to review."""
    enrol_since("2026-01-01T00:00:00+08:00")
    pay(paid_amount_fen=45000)
    request = api_event("orders_api_refund_request", caller=buyer(), path={"order_id": "o-1"}, body={})
    response = invoke("orders_api", request)
    assert response["statusCode"] == HTTPStatus.CREATED
    return response_json(response)


def act(action: str, refund_id: str, caller: dict, body: dict | None = None, order_id: str = "o-1") -> dict:
    sample = {"payout-retries": "refund_requests_api_payout_retry"}.get(action, f"refund_requests_api_{action}")
    request = api_event(sample, caller=caller, path={"order_id": order_id, "refund_id": refund_id}, body=body)
    return invoke("refund_requests_api", request)


def requests_of(order_id: str = "o-1", caller: dict | None = None) -> dict:
    request = api_event("refund_requests_api_list", caller=caller or buyer(), path={"order_id": order_id})
    return invoke("refund_requests_api", request)


def ship(order_id: str = "o-1") -> dict:
    body = {"carrier": "SF", "tracking_number": "SF1"}
    return invoke(
        "orders_api", api_event("orders_api_shipment", caller=merchant(), path={"order_id": order_id}, body=body)
    )


def test_a_merchant_approval_refunds_the_order_and_the_list_shows_it_all(review):
    response = act("approve", review["refund_id"], merchant())

    assert response["statusCode"] == HTTPStatus.OK
    approved = response_json(response)
    assert approved["status"] == "APPROVED"
    assert approved["resolution"] | {"at": None} == {"by": "MERCHANT", "at": None, "reason_code": None, "message": None}
    assert approved["payout"] | {"updated_at": None} == {
        "status": "PENDING",
        "updated_at": None,
        "failure_code": None,
        "attempts": 1,
    }
    assert approved["review_deadline"] is None
    assert response_json(ship())["error"]["code"] == "ORDER_REFUNDED"  # the parcel must not leave
    listed = response_json(requests_of())["refund_requests"]
    assert listed == [approved]
    assert response_json(act("approve", review["refund_id"], merchant())) == approved  # a retry: unchanged


def test_a_review_request_carries_its_deadline(review):
    assert review["status"] == "PENDING_REVIEW"
    assert review["review_deadline"] is not None
    assert (review["resolution"], review["payout"]) == (None, None)


def test_a_rejection_says_why_and_the_buyer_may_ask_again(review):
    body = {"reason_code": "OTHER", "message": "the buyer agreed by phone to keep it"}
    rejected = response_json(act("reject", review["refund_id"], merchant(), body))
    again = invoke(
        "orders_api", api_event("orders_api_refund_request", caller=buyer(), path={"order_id": "o-1"}, body={})
    )

    assert rejected["status"] == "REJECTED"
    assert rejected["resolution"]["message"] == "the buyer agreed by phone to keep it"
    assert again["statusCode"] == HTTPStatus.CREATED
    assert response_json(again)["refund_id"] != review["refund_id"]
    assert [r["status"] for r in response_json(requests_of())["refund_requests"]] == ["PENDING_REVIEW", "REJECTED"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason_code": "OTHER"}, "body"),
        ({"reason_code": "NOT_A_REASON"}, "body.reason_code"),
        ({"reason_code": "OTHER", "message": "x" * 201}, "body.message"),
        ({}, "body.reason_code"),
    ],
    ids=["other-without-message", "unknown-code", "long-message", "no-code"],
)
def test_a_malformed_rejection_is_422_naming_the_field_and_changes_nothing(review, body, field):
    response = act("reject", review["refund_id"], merchant(), body)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field in [detail["field"] for detail in response_json(response)["error"]["details"]]
    assert response_json(requests_of())["refund_requests"] == [review]


def test_acting_on_a_request_not_in_review_is_409_naming_its_status(review):
    act("cancel", review["refund_id"], buyer())

    response = act("approve", review["refund_id"], merchant())

    assert response["statusCode"] == HTTPStatus.CONFLICT
    error = response_json(response)["error"]
    assert error["code"] == "REFUND_NOT_IN_REVIEW"
    assert error["details"][0]["status"] == "CANCELLED"


def test_already_shipped_needs_a_recorded_shipment(review):
    response = act("reject", review["refund_id"], merchant(), {"reason_code": "ALREADY_SHIPPED"})

    assert response["statusCode"] == HTTPStatus.CONFLICT
    assert response_json(response)["error"]["code"] == "ORDER_NOT_SHIPPED"


@pytest.mark.parametrize(
    ("action", "caller", "status"),
    [
        ("approve", buyer(), HTTPStatus.FORBIDDEN),
        ("approve", merchant("m-2"), HTTPStatus.NOT_FOUND),
        ("cancel", merchant(), HTTPStatus.FORBIDDEN),
        ("cancel", buyer("b-2"), HTTPStatus.NOT_FOUND),
        ("payout-retries", merchant(), HTTPStatus.FORBIDDEN),
    ],
    ids=["buyer-approves", "other-merchant-approves", "merchant-cancels", "other-buyer-cancels", "merchant-retries"],
)
def test_who_may_act(review, action, caller, status):
    assert act(action, review["refund_id"], caller)["statusCode"] == status
    assert response_json(requests_of())["refund_requests"] == [review]


def test_an_unknown_request_is_404(review):
    response = act("approve", "r-nope", merchant())

    assert response["statusCode"] == HTTPStatus.NOT_FOUND
    assert response_json(response)["error"]["code"] == "REFUND_NOT_FOUND"


def test_request_ids_cannot_be_probed_on_another_tenants_order(review):
    # to another merchant, a request of o-1 (real or not) answers as an order that does not exist
    unknown_order = response_json(act("approve", "r-nope", merchant("m-2"), order_id="o-nope"))
    for refund_id in ("r-nope", review["refund_id"]):
        answer = response_json(act("approve", refund_id, merchant("m-2")))
        assert answer["error"]["code"] == unknown_order["error"]["code"] == "ORDER_NOT_FOUND"


def test_the_review_deadline_approves_for_the_silent_merchant(stack, review, monkeypatch):
    pay(order_id="o-2", paid_amount_fen=45000)
    request = api_event("orders_api_refund_request", caller=buyer(), path={"order_id": "o-2"}, body={})
    short = response_json(invoke("orders_api", request))
    past_deadline(stack, "o-2", short["refund_id"])

    assert sweep_review_deadlines(stack) == {"decided": 1, "escalated": 0, "failed": 0}
    [timed_out] = response_json(requests_of("o-2"))["refund_requests"]
    assert (timed_out["refund_id"], timed_out["status"]) == (short["refund_id"], "APPROVED")
    assert timed_out["resolution"]["by"] == "REVIEW_TIMEOUT"
    assert response_json(requests_of())["refund_requests"] == [review]  # its 48 hours are not over
    assert sweep_review_deadlines(stack) == {"decided": 0, "escalated": 0, "failed": 0}


def payouts_queue(stack) -> str:
    url = stack.sqs.create_queue(QueueName="payment-system")["QueueUrl"]
    arn = stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = stack.resolve.refs["RefundPayoutsTopic"]
    stack.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return url


def test_each_approval_in_the_sample_is_one_payout_instruction_in_the_documented_shape(stack):
    url = payouts_queue(stack)

    assert invoke("payout_publisher", event("payout_publisher_pending_payouts")) == {"batchItemFailures": []}

    messages = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    instructions = sorted((json.loads(m["Body"]) for m in messages), key=lambda i: i["order_id"])
    for instruction in instructions:
        jsonschema.validate(instruction, PAYOUT_SCHEMA)
    assert [(i["order_id"], i["approval"], i["attempt"], i["currency"]) for i in instructions] == [
        ("o-1", "AUTO_REFUNDED", 1, "CNY"),
        ("o-2", "MERCHANT", 1, "CNY"),
    ]
    assert instructions[0]["payout_id"] == "3f0c6a1e-9b7d-4e2a-8c5f-000000000001:1"


def payment_result(refund_id: str, attempt: int = 1, failure: str | None = None) -> dict:
    base = {"refund_id": refund_id, "payout_id": f"{refund_id}:{attempt}"}
    if failure:
        return base | {
            "type": "REFUND_PAYOUT_FAILED",
            "failure_code": failure,
            "failed_at": "2026-11-26T12:00:00+08:00",
        }
    return base | {"type": "REFUND_PAYOUT_SUCCEEDED", "paid_out_at": "2026-11-26T12:00:00+08:00"}


def test_a_failed_payout_is_shown_reissued_by_ops_and_then_paid(review):
    refund_id = review["refund_id"]
    act("approve", refund_id, merchant())

    failed = invoke("payment_results", sqs_batch(payment_result(refund_id, failure="ACCOUNT_FROZEN")))
    shown = response_json(requests_of())["refund_requests"][0]["payout"]
    retried = act("payout-retries", refund_id, ops())
    not_again = act("payout-retries", refund_id, ops())
    paid = invoke("payment_results", sqs_batch(payment_result(refund_id, attempt=2)))

    assert failed == paid == {"batchItemFailures": []}
    assert (shown["status"], shown["failure_code"]) == ("FAILED", "ACCOUNT_FROZEN")
    assert response_json(retried)["payout"]["attempts"] == 2
    assert not_again["statusCode"] == HTTPStatus.CONFLICT
    assert response_json(not_again)["error"]["code"] == "PAYOUT_NOT_FAILED"
    assert response_json(requests_of())["refund_requests"][0]["payout"]["status"] == "SUCCEEDED"


def test_results_for_no_instruction_and_malformed_ones_fail_alone(review):
    refund_id = review["refund_id"]
    act("approve", refund_id, merchant())
    batch = sqs_batch(
        payment_result("r-unknown"),
        "not json",
        {"type": "REFUND_PAYOUT_SUCCEEDED", "refund_id": refund_id},
        payment_result(refund_id, attempt=7),
        payment_result(refund_id),
    )

    result = invoke("payment_results", batch)

    assert [failure["itemIdentifier"] for failure in result["batchItemFailures"]] == [
        "msg-0",
        "msg-1",
        "msg-2",
        "msg-3",
    ]
    assert response_json(requests_of())["refund_requests"][0]["payout"]["status"] == "SUCCEEDED"
