"""The facts the merchant's policy rules will match on (docs/contract.md): the product's category, told with
ORDER_PAID and kept with the order, and the buyer's reason as a code, on a refund request and in the dry run;
both stored with the decision and shown in its refund view. A malformed one is refused, naming its field."""

import json
from http import HTTPStatus

import pytest

from tests.support import (
    api_event,
    ask_refund,
    buyer,
    enrol_since,
    invoke,
    merchant,
    paid_order_message,
    response_json,
    sqs_batch,
)


def eligibility(query: dict[str, str] | None = None) -> dict:
    request = api_event("orders_api_eligibility", caller=buyer(), path={"order_id": "o-1"})
    request["queryStringParameters"] = query
    request["multiValueQueryStringParameters"] = {name: [value] for name, value in (query or {}).items()} or None
    return invoke("orders_api", request)


def test_the_category_and_the_reason_are_kept_with_the_decision_and_shown(stack):
    enrol_since("2026-01-01T00:00:00+08:00")
    paid = paid_order_message(category_path="apparel/women/dresses")
    assert invoke("order_events", sqs_batch(paid)) == {"batchItemFailures": []}

    asked = ask_refund(body={"reason": "the wrong size", "reason_code": "ORDERED_BY_MISTAKE"})

    assert asked["statusCode"] == HTTPStatus.CREATED, asked["body"]
    refund = response_json(asked)
    assert (refund["reason_code"], refund["category_path"]) == ("ORDERED_BY_MISTAKE", "apparel/women/dresses")
    listed = invoke(
        "refund_requests_api", api_event("refund_requests_api_list", caller=merchant(), path={"order_id": "o-1"})
    )
    [seen] = response_json(listed)["refund_requests"]
    assert (seen["reason_code"], seen["category_path"]) == ("ORDERED_BY_MISTAKE", "apparel/women/dresses")


def test_a_request_without_a_reason_code_gives_other_and_an_order_without_a_category_none(stack):
    enrol_since("2026-01-01T00:00:00+08:00")
    assert invoke("order_events", sqs_batch(paid_order_message())) == {"batchItemFailures": []}

    refund = response_json(ask_refund())

    assert (refund["reason_code"], refund["category_path"]) == ("OTHER", None)


@pytest.mark.parametrize(
    "category", ["Apparel", "apparel//dresses", "/apparel", "a/b/c/d/e/f/g", "apparel/women dresses", ""]
)
def test_a_malformed_category_is_a_failed_record_and_nothing_is_stored(stack, category):
    result = invoke("order_events", sqs_batch(paid_order_message(category_path=category)))

    assert len(result["batchItemFailures"]) == 1
    assert stack.dynamodb.scan(TableName=stack.table("OrdersTable"))["Items"] == []


def test_an_unknown_reason_code_is_422_naming_the_field_and_changes_nothing(stack):
    enrol_since("2026-01-01T00:00:00+08:00")
    invoke("order_events", sqs_batch(paid_order_message()))

    answer = ask_refund(body={"reason_code": "CHANGED_MY_MIND"})

    assert answer["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    [detail] = response_json(answer)["error"]["details"]
    assert detail["field"] == "body.reason_code"
    assert stack.dynamodb.scan(TableName=stack.table("RefundsTable"))["Items"] == []


def test_the_dry_run_takes_the_reason_code_and_refuses_an_unknown_one(stack):
    enrol_since("2026-01-01T00:00:00+08:00")
    invoke("order_events", sqs_batch(paid_order_message()))

    asked = eligibility({"reason_code": "DELIVERY_TOO_SLOW"})
    refused = eligibility({"reason_code": "because"})

    assert response_json(asked)["reason_code"] == "DELIVERY_TOO_SLOW"
    assert response_json(eligibility())["reason_code"] == "OTHER"
    assert refused["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert json.dumps(response_json(refused)).count("reason_code") >= 1
