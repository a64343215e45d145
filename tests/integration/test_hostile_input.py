"""Hostile input (docs/contract.md, "Hostile input"): each found way in, refused with a 4xx or a failed
batch item, and nothing written. Each test here failed before its fix."""

import base64
import json
from http import HTTPStatus

import pytest
from botocore.exceptions import ClientError

from fastrefund.platform import aws_clients
from tests.integration.test_workbench_api import listing, seed
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


def subscribe(merchant_id: str, body: dict) -> dict:
    request = api_event(
        "notice_subscriptions_api_subscribe_queue", caller=merchant(merchant_id), path={"merchant_id": merchant_id}
    )
    request["body"] = json.dumps(body)
    return invoke("notice_subscriptions_api", request)


def listed(merchant_id: str) -> list[dict]:
    request = api_event(
        "notice_subscriptions_api_list", caller=merchant(merchant_id), path={"merchant_id": merchant_id}
    )
    return response_json(invoke("notice_subscriptions_api", request))["subscriptions"]


def test_a_queue_another_merchant_holds_is_409_endpoint_in_use_and_changes_nothing(stack):
    # Given merchant A's ERP queue, subscribed to A's notices
    url = stack.sqs.create_queue(QueueName="a-erp")["QueueUrl"]
    arn = stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert subscribe("m-a", {"protocol": "sqs", "endpoint": arn})["statusCode"] == HTTPStatus.OK
    [held] = listed("m-a")

    # When merchant B subscribes the same queue
    response = subscribe("m-b", {"protocol": "sqs", "endpoint": arn})

    # Then B is refused, and A's subscription is as it was: same id, A's filter, listed for A only
    assert response["statusCode"] == HTTPStatus.CONFLICT
    assert response_json(response)["error"]["code"] == "ENDPOINT_IN_USE"
    assert listed("m-a") == [held]
    assert listed("m-b") == []
    [subscription] = stack.sns.list_subscriptions()["Subscriptions"]
    attributes = stack.sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"merchant_id": ["m-a"]}


def test_subscribing_ones_own_endpoint_again_is_the_same_subscription(stack):
    body = {"protocol": "email", "endpoint": "after-sales@example.com"}

    first, again = subscribe("m-a", body), subscribe("m-a", body)

    assert again["statusCode"] == HTTPStatus.OK
    assert response_json(again)["subscription_id"] == response_json(first)["subscription_id"]
    assert len(listed("m-a")) == 1


def test_an_endpoint_freed_by_its_merchant_may_be_taken_by_another(stack):
    body = {"protocol": "email", "endpoint": "shared-desk@example.com"}
    [held] = [response_json(subscribe("m-a", body))]
    request = api_event(
        "notice_subscriptions_api_list",
        caller=merchant("m-a"),
        path={"merchant_id": "m-a", "subscription_id": held["subscription_id"]},
    )
    request["httpMethod"] = request["requestContext"]["httpMethod"] = "DELETE"
    request["resource"] = "/merchants/{merchant_id}/notice-subscriptions/{subscription_id}"
    request["path"] = f"/merchants/m-a/notice-subscriptions/{held['subscription_id']}"
    assert invoke("notice_subscriptions_api", request)["statusCode"] == HTTPStatus.NO_CONTENT

    assert subscribe("m-b", body)["statusCode"] == HTTPStatus.OK


@pytest.mark.parametrize("region", ["aa-a-0", "us-east-0x", "moon-central-1"])
def test_a_queue_in_a_region_that_is_not_one_is_422_naming_the_endpoint(stack, region):
    response = subscribe("m-a", {"protocol": "sqs", "endpoint": f"arn:aws:sqs:{region}:123456789012:q"})

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert fields_of(response) == ["body.sqs.endpoint"]
    assert listed("m-a") == []


def test_a_queue_in_a_well_shaped_region_aws_does_not_run_is_422_before_sns_is_asked(stack):
    # found by schemathesis: moto's SNS fails on it (a 500), real SNS refuses it
    response = subscribe("m-a", {"protocol": "sqs", "endpoint": "arn:aws:sqs:us-north-0:123456789012:q"})

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert fields_of(response) == ["body.endpoint"]
    assert listed("m-a") == []
    assert (
        subscribe("m-b", {"protocol": "sqs", "endpoint": "arn:aws:sqs:us-north-0:123456789012:q"})["statusCode"]
        == HTTPStatus.UNPROCESSABLE_ENTITY
    )  # and the endpoint was not left claimed by m-a


def test_an_endpoint_sns_refuses_is_422_naming_it_and_left_free(stack, monkeypatch):
    sns = aws_clients.client("sns")
    real = sns.subscribe

    def refuse(**_):
        raise ClientError(
            {"Error": {"Code": "InvalidParameter", "Message": "Invalid parameter: Endpoint"}}, "Subscribe"
        )

    monkeypatch.setattr(sns, "subscribe", refuse)
    body = {"protocol": "https", "endpoint": "https://erp.example.com/notices"}
    response = subscribe("m-a", body)
    monkeypatch.setattr(sns, "subscribe", real)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert fields_of(response) == ["body.endpoint"]
    assert listed("m-a") == []
    assert subscribe("m-b", body)["statusCode"] == HTTPStatus.OK


def test_a_permanent_sns_refusal_is_not_called_temporary(stack, monkeypatch):
    def refuse(**_):
        raise ClientError({"Error": {"Code": "AuthorizationError", "Message": "not allowed"}}, "Subscribe")

    monkeypatch.setattr(aws_clients.client("sns"), "subscribe", refuse)

    response = subscribe("m-a", {"protocol": "email", "endpoint": "after-sales@example.com"})

    assert response["statusCode"] == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Retry-After" not in (response.get("headers") or {})
    assert listed("m-a") == []


def test_a_throttled_subscribe_is_503_and_leaves_the_endpoint_free(stack, monkeypatch):
    sns = aws_clients.client("sns")
    real = sns.subscribe

    def throttled(**_):
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "Subscribe")

    monkeypatch.setattr(sns, "subscribe", throttled)
    body = {"protocol": "email", "endpoint": "after-sales@example.com"}
    assert subscribe("m-a", body)["statusCode"] == HTTPStatus.SERVICE_UNAVAILABLE
    monkeypatch.setattr(sns, "subscribe", real)

    assert subscribe("m-b", body)["statusCode"] == HTTPStatus.OK


def test_a_hand_made_cursor_for_ones_own_merchant_is_422_invalid_cursor(stack):
    # The cursor used to be base64 JSON: anyone could write one that skips to any place in the list
    seed("m-1", 6)
    payload = {"m": "m-1", "d": "2026-11-20T03:00:00.000000Z", "o": "o-m-1-2"}
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")

    response = listing(cursor=forged)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response_json(response)["error"]["code"] == "INVALID_CURSOR"
    assert fields_of(response) == ["query.cursor"]


def test_a_cursor_issued_for_other_filters_is_422_invalid_cursor(stack):
    seed("m-1", 9)
    cursor = response_json(listing(status="AUTO_REFUNDED", limit=2))["next_cursor"]
    assert listing(status="AUTO_REFUNDED", limit=2, cursor=cursor)["statusCode"] == HTTPStatus.OK

    for other in (
        {"limit": 2},
        {"status": "PENDING_REVIEW"},
        {"status": "AUTO_REFUNDED", "to": "2026-11-20T12:00:00Z"},
    ):
        response = listing(cursor=cursor, **other)

        assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY, other
        assert response_json(response)["error"]["code"] == "INVALID_CURSOR"


def test_a_cursor_with_one_character_changed_is_422_invalid_cursor(stack):
    seed("m-1", 6)
    cursor = response_json(listing(limit=2))["next_cursor"]
    changed = cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]

    response = listing(limit=2, cursor=changed)

    assert response_json(response)["error"]["code"] == "INVALID_CURSOR"


def test_a_workbench_from_after_to_is_422(stack):
    response = listing(**{"from": "2026-11-21T00:00:00+08:00", "to": "2026-11-20T00:00:00+08:00"})

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert fields_of(response) == ["query.from"]


def put_policy(body: str, content_type: str | None = "application/json") -> dict:
    request = api_event("merchants_api_put_auto_refund_policy", caller=merchant(), path={"merchant_id": "m-1"})
    request["body"] = body
    headers = {name: value for name, value in request["headers"].items() if name.lower() != "content-type"}
    request["headers"] = headers | ({"Content-Type": content_type} if content_type else {})
    request["multiValueHeaders"] = {name: [value] for name, value in request["headers"].items()}
    return invoke("merchants_api", request)


POLICY = json.dumps({"enabled": True, "max_refund_amount_fen": 50000, "daily_limit_amount_fen": 100000})


@pytest.mark.parametrize(
    "content_type", ["Application/JSON", "application/json; charset=utf-8", "APPLICATION/JSON;charset=UTF-8"]
)
def test_json_is_recognised_whatever_its_case_and_parameters(stack, content_type):
    assert put_policy(POLICY, content_type)["statusCode"] == HTTPStatus.OK


@pytest.mark.parametrize("content_type", ["text/plain", "text/json", "application/vnd.api+json", "application/xml"])
def test_any_other_media_type_is_415_and_changes_nothing(stack, content_type):
    response = put_policy(POLICY, content_type)

    assert response["statusCode"] == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert response_json(response)["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert settings_policy() is None


@pytest.mark.parametrize(
    "body",
    [
        "[" * 2000 + "]" * 2000,  # a 4 KB body nested 2,000 deep
        json.dumps(
            {
                "enabled": True,
                "product_scope": {
                    "mode": "ALL",
                    "x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
                },
            }
        ),
        '{"enabled": tru',
    ],
    ids=["2000-deep", "33-deep", "broken"],
)
def test_json_that_is_broken_or_nested_too_deep_is_422(stack, body):
    response = put_policy(body)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert settings_policy() is None


def test_a_body_that_is_not_utf8_is_422(stack):
    request = api_event("merchants_api_put_auto_refund_policy", caller=merchant(), path={"merchant_id": "m-1"})
    request["body"] = base64.b64encode(b'{"enabled": "\\xff\\xfe"}'.replace(b"\\xff\\xfe", b"\xff\xfe")).decode()
    request["isBase64Encoded"] = True

    response = invoke("merchants_api", request)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert settings_policy() is None


@pytest.mark.parametrize(
    ("field", "digits"),
    [
        ("daily_limit_amount_fen", "1" + "0" * 40),
        ("daily_limit_amount_fen", "1" + "0" * 200),
        ("daily_limit_amount_fen", str(10**12 + 1)),
        ("daily_limit_count", "9" * 5000),  # past Python's own limit for turning digits into an int
        ("daily_limit_count", str(10**6 + 1)),
    ],
    ids=["41-digits", "10e200", "over-10e12", "5000-digits", "over-10e6"],
)
def test_numbers_beyond_their_bounds_are_422_naming_the_field(stack, field, digits):
    response = put_policy(POLICY[:-1] + f', "{field}": {digits}}}')

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert settings_policy() is None


def settings_policy():
    request = api_event("merchants_api_get_settings", caller=merchant(), path={"merchant_id": "m-1"})
    return response_json(invoke("merchants_api", request))["auto_refund_policy"]


def test_a_contradictory_second_order_paid_is_a_failed_record_with_a_metric(stack, capsys):
    pay()

    result = invoke("order_events", sqs_batch(paid_order_message(paid_amount_fen=1, buyer_id="b-9")))

    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}  # redelivered, then dead-lettered
    assert stored_order(stack)["paid_amount_fen"] == {"N": "19900"}
    assert '"ContradictoryOrderEvents":[1.0]' in capsys.readouterr().out
