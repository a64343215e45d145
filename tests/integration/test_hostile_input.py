"""Hostile input (SPEC "Hostile input and isolation"): each found way in, refused with a 4xx or a failed
batch item, and nothing written. Each test here failed before its fix."""

from http import HTTPStatus

import pytest

from tests.support import (
    api_event,
    buyer,
    enrol_since,
    invoke,
    merchant,
    paid_order_message,
    pay,
    response_json,
    shipped_message,
    sqs_batch,
)

OUT_OF_RANGE = [
    "0001-01-01T00:00:00Z",  # was stored as "1-01-01T...", unreadable for ever after
    "0001-01-01T00:00:00+08:00",  # overflows UTC
    "9999-12-31T23:59:59-05:00",  # overflows UTC
    "1999-12-31T23:59:59Z",
    "2100-01-01T00:00:01Z",
]


def stored_order(stack, order_id="o-1"):
    return stack.dynamodb.get_item(TableName=stack.table("OrdersTable"), Key={"order_id": {"S": order_id}}).get("Item")


def fields_of(response) -> list[str]:
    return [detail["field"] for detail in response_json(response)["error"]["details"]]


@pytest.fixture
def enrolled(stack):
    enrol_since("2026-01-01T00:00:00+08:00")
    return stack


@pytest.mark.parametrize("instant", OUT_OF_RANGE)
def test_a_shipment_time_outside_the_service_range_is_422_and_the_order_stays_readable(enrolled, instant):
    pay()
    shipment = {"carrier": "SF", "tracking_number": "SF1", "shipped_at": instant}
    request = api_event("orders_api_shipment", caller=merchant(), path={"order_id": "o-1"}, body=shipment)

    response = invoke("orders_api", request)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "body.shipped_at" in fields_of(response)
    assert stored_order(enrolled)["status"] == {"S": "PAID"}
    eligibility = api_event("orders_api_eligibility", caller=buyer(), path={"order_id": "o-1"})
    assert invoke("orders_api", eligibility)["statusCode"] == HTTPStatus.OK


@pytest.mark.parametrize("instant", OUT_OF_RANGE)
def test_an_event_time_outside_the_service_range_is_a_failed_record(enrolled, instant):
    pay(order_id="o-2")
    messages = [
        paid_order_message(paid_at=instant),
        shipped_message("o-2", shipped_at=instant),
        {"type": "ORDER_CLOSED", "order_id": "o-2", "closed_at": instant},
    ]

    result = invoke("order_events", sqs_batch(*messages))

    assert result == {"batchItemFailures": [{"itemIdentifier": f"msg-{n}"} for n in range(3)]}
    assert stored_order(enrolled) is None
    assert stored_order(enrolled, "o-2")["status"] == {"S": "PAID"}


@pytest.mark.parametrize("query", [{"from": "0001-01-01T00:00:00+08:00"}, {"to": "9999-12-31T23:59:59-05:00"}])
def test_a_workbench_bound_outside_the_service_range_is_422(stack, query):
    request = api_event("workbench_api_list_refunds", caller=merchant(), path={"merchant_id": "m-1"})
    request["queryStringParameters"] = query
    request["multiValueQueryStringParameters"] = {name: [value] for name, value in query.items()}

    response = invoke("workbench_api", request)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
