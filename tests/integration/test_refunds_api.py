"""Refund requests, shipments and pre-shipment checks over HTTP (single-request behaviour, under moto)."""

import json
from http import HTTPStatus

import pytest
from botocore.exceptions import ClientError

from fastrefund.domain.clock import utc_now
from fastrefund.domain.models.merchant import AutoRefundPolicy
from fastrefund.repositories import dynamo
from fastrefund.repositories.store import get_store
from tests.support import (
    api_event,
    ask_refund,
    buyer,
    enrol_since,
    invoke,
    merchant,
    ops,
    pay,
    response_json,
    sqs_batch,
)

SHIPMENT = {"carrier": "SF", "tracking_number": "SF1000000002"}
# What an unknown order o-1 answers: an order the caller may not see answers exactly the same
NOT_FOUND_O1 = {"code": "ORDER_NOT_FOUND", "message": "order o-1 was not found", "details": [{"order_id": "o-1"}]}


def ship(order_id="o-1", caller=None, body=None):
    request = api_event(
        "orders_api_shipment", caller=caller or merchant(role="erp"), path={"order_id": order_id}, body=body or SHIPMENT
    )
    return invoke("orders_api", request)


def check(order_ids, caller=None, merchant_id="m-1"):
    request = api_event(
        "merchants_api_refund_checks",
        caller=caller or merchant(merchant_id, role="erp"),
        path={"merchant_id": merchant_id},
        body={"order_ids": order_ids},
    )
    return invoke("merchants_api", request)


def set_policy(**fields):
    policy = AutoRefundPolicy.model_validate(
        {"enabled": True, "max_refund_amount_fen": 50000, "daily_limit_amount_fen": 100000} | fields
    )
    get_store().merchants.set_auto_refund_policy("m-1", policy, utc_now())


def stored(stack, table, order_id):
    """The order, or the order's only refund request (None when there is none)."""
    if table == "RefundsTable":
        items = stack.dynamodb.query(
            TableName=stack.table(table),
            KeyConditionExpression="order_id = :order_id",
            ExpressionAttributeValues={":order_id": {"S": order_id}},
        )["Items"]
        assert len(items) <= 1
        return items[0] if items else None
    return stack.dynamodb.get_item(TableName=stack.table(table), Key={"order_id": {"S": order_id}}).get("Item")


@pytest.fixture
def enrolled(stack):
    enrol_since("2026-01-01T00:00:00+08:00")
    return stack


def test_a_covered_order_is_refunded_at_once(enrolled):
    pay()

    response = ask_refund(body={"reason": "ordered by mistake"})

    assert response["statusCode"] == HTTPStatus.CREATED
    refund = response_json(response)
    assert refund["status"] == "AUTO_REFUNDED"
    assert refund["route"] == "PLATFORM_FAST_REFUND"
    assert refund["rule_version"] == "2023-09-13"
    assert refund["amount_fen"] == 19900
    assert refund["reasons"] == []
    assert refund["decided_at"].endswith("+08:00")
    assert stored(enrolled, "OrdersTable", "o-1")["status"] == {"S": "REFUNDED"}
    assert stored(enrolled, "OrdersTable", "o-1")["refund_id"] == {"S": refund["refund_id"]}


def test_the_refund_record_keeps_the_decisions_inputs(enrolled):
    pay(paid_amount_fen=45000)
    set_policy()

    refund = response_json(ask_refund())

    inputs = dynamo.decode(stored(enrolled, "RefundsTable", "o-1"))["inputs"]
    assert refund["route"] == "MERCHANT_AUTO_REFUND"
    assert inputs["paid_amount_fen"] == 45000
    assert inputs["badge_at_payment"] is True
    assert inputs["rule_version"] == "2023-09-13"
    assert inputs["policy"]["daily_limit_amount_fen"] == 100000
    assert inputs["usage_before"] == {"day": inputs["usage_before"]["day"], "amount_fen": 0, "count": 0}


def test_asking_again_returns_the_first_request_unchanged(enrolled):
    pay()
    first = response_json(ask_refund(body={"reason": "first"}))

    again = ask_refund(body={"reason": "something else entirely"})

    assert again["statusCode"] == HTTPStatus.OK
    assert response_json(again) == first


@pytest.mark.parametrize(
    "body", [{"reason": "x" * 201}, {"reason": 7}, {"unknown": True}], ids=["too-long", "wrong-type", "unknown-field"]
)
def test_asking_again_returns_the_request_whatever_the_body(enrolled, body):
    pay()
    first = response_json(ask_refund(body={"reason": "first"}))

    again = ask_refund(body=body)

    assert again["statusCode"] == HTTPStatus.OK
    assert response_json(again) == first


def test_a_request_without_a_body_is_made(enrolled):
    pay()
    request = api_event("orders_api_refund_request", caller=buyer(), path={"order_id": "o-1"}, raw_body="")
    request["body"] = None

    assert invoke("orders_api", request)["statusCode"] == HTTPStatus.CREATED


def test_the_business_metrics_count_auto_refunded_fen_and_daily_limit_hits(enrolled, capsys):
    pay(order_id="o-a", paid_amount_fen=45000)
    pay(order_id="o-b", paid_amount_fen=45000)
    set_policy(daily_limit_amount_fen=50000)
    capsys.readouterr()

    ask_refund("o-a")
    ask_refund("o-b")

    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [(m.get("AutoRefundedFen"), m.get("DailyLimitHits"), m["status"]) for m in emitted] == [
        ([45000.0], None, "AUTO_REFUNDED"),
        (None, [1.0], "PENDING_REVIEW"),
    ]


def test_the_merchant_policy_counts_todays_usage(enrolled):
    pay(order_id="o-a", paid_amount_fen=45000)
    pay(order_id="o-b", paid_amount_fen=45000)
    pay(order_id="o-c", paid_amount_fen=45000)
    set_policy(daily_limit_amount_fen=100000)

    answers = [response_json(ask_refund(order_id))["status"] for order_id in ("o-a", "o-b", "o-c")]

    assert answers == ["AUTO_REFUNDED", "AUTO_REFUNDED", "PENDING_REVIEW"]
    settings = invoke(
        "merchants_api", api_event("merchants_api_get_settings", caller=merchant(), path={"merchant_id": "m-1"})
    )
    assert response_json(settings)["today"] | {"date": None} == {
        "date": None,
        "auto_refunded_amount_fen": 90000,
        "auto_refunded_count": 2,
    }


def test_a_shipment_after_the_refund_is_refused_with_stop_shipment(enrolled):
    pay()
    refund = response_json(ask_refund())

    response = ship()

    assert response["statusCode"] == HTTPStatus.CONFLICT
    body = response_json(response)
    assert body["error"]["code"] == "ORDER_REFUNDED"
    assert body["action"] == "STOP_SHIPMENT"
    assert body["refund_id"] == refund["refund_id"]
    assert stored(enrolled, "OrdersTable", "o-1")["status"] == {"S": "REFUNDED"}


def test_a_shipment_event_after_the_refund_changes_nothing(enrolled):
    pay()
    ask_refund()
    shipped = {"type": "ORDER_SHIPPED", "order_id": "o-1", "shipped_at": "2026-11-26T12:00:00+08:00"} | SHIPMENT

    assert invoke("order_events", sqs_batch(shipped)) == {"batchItemFailures": []}
    assert stored(enrolled, "OrdersTable", "o-1")["status"] == {"S": "REFUNDED"}


def test_repeating_a_shipment_is_fine_but_another_parcel_is_a_conflict(enrolled):
    pay()
    first = ship()

    again = ship()
    other = ship(body={"carrier": "YTO", "tracking_number": "YT9"})

    assert first["statusCode"] == again["statusCode"] == HTTPStatus.OK
    assert response_json(again) == response_json(first)
    assert response_json(first)["status"] == "SHIPPED"
    assert other["statusCode"] == HTTPStatus.CONFLICT
    assert response_json(other)["error"]["code"] == "ORDER_ALREADY_SHIPPED"


@pytest.mark.parametrize(
    ("caller", "status"),
    [
        (buyer(), HTTPStatus.FORBIDDEN),
        (merchant("m-2"), HTTPStatus.NOT_FOUND),
        (merchant("m-2", "erp"), HTTPStatus.NOT_FOUND),
    ],
    ids=["a-buyer", "another-merchant", "another-erp"],
)
def test_only_the_orders_merchant_may_ship_it(enrolled, caller, status):
    # A buyer may ship nothing (403); to another merchant the order does not exist (404, as unknown)
    pay()

    response = ship(caller=caller)

    assert response["statusCode"] == status
    if status == HTTPStatus.NOT_FOUND:
        assert response_json(response)["error"] == NOT_FOUND_O1
    assert stored(enrolled, "OrdersTable", "o-1")["status"] == {"S": "PAID"}


def test_ops_may_ship_any_order(enrolled):
    pay()

    assert ship(caller=ops())["statusCode"] == HTTPStatus.OK


@pytest.mark.parametrize(
    ("caller", "status"),
    [(buyer("b-2"), HTTPStatus.NOT_FOUND), (merchant(), HTTPStatus.FORBIDDEN), (ops(), HTTPStatus.FORBIDDEN)],
    ids=["another-buyer", "the-merchant", "ops"],
)
def test_only_the_buyer_may_ask_for_a_refund(enrolled, caller, status):
    # Another buyer does not see the order (404, as unknown); its merchant and ops see it but may not ask
    pay()

    response = ask_refund(caller=caller)

    assert response["statusCode"] == status
    if status == HTTPStatus.NOT_FOUND:
        assert response_json(response)["error"] == NOT_FOUND_O1
    assert stored(enrolled, "RefundsTable", "o-1") is None


def test_an_unknown_order_is_404_and_a_closed_one_409(enrolled):
    pay()
    closed = {"type": "ORDER_CLOSED", "order_id": "o-1", "closed_at": "2026-11-26T11:00:00+08:00"}
    invoke("order_events", sqs_batch(closed))

    unknown = ask_refund("o-missing")
    closed_answer = ask_refund("o-1")

    assert unknown["statusCode"] == HTTPStatus.NOT_FOUND
    assert response_json(unknown)["error"]["code"] == "ORDER_NOT_FOUND"
    assert closed_answer["statusCode"] == HTTPStatus.CONFLICT
    assert response_json(closed_answer)["error"]["code"] == "ORDER_CLOSED"
    assert stored(enrolled, "RefundsTable", "o-1") is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x" * 201}, "body.reason"),
        ({"reason": 5}, "body.reason"),
        ({"reason": "ok", "amount_fen": 1}, "body.amount_fen"),
        ({"reason": "y" * 1_048_576}, "body.reason"),
    ],
    ids=["too-long", "wrong-type", "unknown-field", "1MB"],
)
def test_a_malformed_refund_request_is_422_and_changes_nothing(enrolled, body, field):
    pay()

    response = ask_refund(body=body)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field in [detail["field"] for detail in response_json(response)["error"]["details"]]
    assert stored(enrolled, "RefundsTable", "o-1") is None
    assert stored(enrolled, "OrdersTable", "o-1")["status"] == {"S": "PAID"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"carrier": "SF"}, "body.tracking_number"),
        ({"carrier": "", "tracking_number": "1"}, "body.carrier"),
        ({"carrier": "SF", "tracking_number": "1", "shipped_at": "yesterday"}, "body.shipped_at"),
        ({"carrier": "SF", "tracking_number": "1", "shipped_at": "2026-11-26T12:00:00"}, "body.shipped_at"),
    ],
)
def test_a_malformed_shipment_is_422_and_changes_nothing(enrolled, body, field):
    pay()

    response = ship(body=body)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field in [detail["field"] for detail in response_json(response)["error"]["details"]]
    assert stored(enrolled, "OrdersTable", "o-1")["status"] == {"S": "PAID"}


def test_refund_checks_report_each_order_and_hide_other_merchants(enrolled):
    pay(order_id="o-1")
    pay(order_id="o-2")
    pay(order_id="o-other", merchant_id="m-2")
    refund = response_json(ask_refund("o-1"))

    response = check(["o-1", "o-2", "o-other", "o-missing"])

    assert response["statusCode"] == HTTPStatus.OK
    results = {result["order_id"]: result for result in response_json(response)["results"]}
    assert results["o-1"] == {
        "order_id": "o-1",
        "found": True,
        "refunded": True,
        "refund_id": refund["refund_id"],
        "order_status": "REFUNDED",
    }
    assert results["o-2"]["refunded"] is False
    assert results["o-2"]["order_status"] == "PAID"
    assert results["o-other"] == results["o-missing"] | {"order_id": "o-other"}
    assert results["o-other"]["found"] is False


@pytest.mark.parametrize(("count", "status"), [(100, HTTPStatus.OK), (101, HTTPStatus.UNPROCESSABLE_ENTITY)])
def test_refund_checks_take_at_most_100_orders(enrolled, count, status):
    response = check([f"o-{n}" for n in range(count)])

    assert response["statusCode"] == status
    if status == HTTPStatus.UNPROCESSABLE_ENTITY:
        assert response_json(response)["error"]["details"][0]["field"] == "body.order_ids"


def test_refund_checks_are_the_merchants_own(enrolled):
    assert check(["o-1"], caller=merchant("m-2"), merchant_id="m-1")["statusCode"] == HTTPStatus.FORBIDDEN
    assert check(["o-1"], caller=buyer(), merchant_id="m-1")["statusCode"] == HTTPStatus.FORBIDDEN
    assert check([], merchant_id="m-1")["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "ProvisionedThroughputExceededException", "InternalServerError"]
)
def test_a_failed_transaction_is_503_with_a_retry_hint_and_leaves_nothing(enrolled, monkeypatch, code):
    pay()
    client = dynamo.client()

    def failing_transaction(**_):
        raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "TransactWriteItems")

    monkeypatch.setattr(client, "transact_write_items", failing_transaction)

    response = ask_refund()

    assert response["statusCode"] == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["multiValueHeaders"]["Retry-After"] == ["1"]
    assert response_json(response)["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert stored(enrolled, "RefundsTable", "o-1") is None
    assert stored(enrolled, "OrdersTable", "o-1")["status"] == {"S": "PAID"}


def test_a_throttled_read_is_503(enrolled, monkeypatch):
    client = dynamo.client()

    def throttled(**_):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected"}}, "GetItem")

    monkeypatch.setattr(client, "get_item", throttled)
    monkeypatch.setattr(client, "batch_get_item", throttled)

    assert ask_refund()["statusCode"] == HTTPStatus.SERVICE_UNAVAILABLE


def test_a_body_sent_as_a_form_is_415_and_changes_nothing(enrolled):
    pay()
    request = api_event("orders_api_refund_request", caller=buyer(), path={"order_id": "o-1"}, body={"reason": "x"})
    request["headers"]["Content-Type"] = "application/x-www-form-urlencoded"
    request["multiValueHeaders"]["Content-Type"] = ["application/x-www-form-urlencoded"]

    response = invoke("orders_api", request)

    assert response["statusCode"] == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert response_json(response)["error"]["details"][0]["field"] == "header.Content-Type"
    assert stored(enrolled, "RefundsTable", "o-1") is None
