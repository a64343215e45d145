"""Merchant notices under moto: SNS -> SQS with filter policies, the schema, injected publish failures."""

import json
from http import HTTPStatus

import jsonschema
import pytest
from botocore.exceptions import ClientError

from devtools.catalogue.template import ROOT
from fastrefund.platform import aws_clients
from tests.support import api_event, event, invoke, merchant, response_json

SCHEMA = json.loads((ROOT / "docs" / "notice.schema.json").read_text())


def erp_queue(stack, merchant_id: str) -> str:
    """A merchant's ERP queue, subscribed through the API, as an ERP developer would."""
    url = stack.sqs.create_queue(QueueName=f"{merchant_id}-erp-notices")["QueueUrl"]
    arn = stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    request = api_event(
        "notice_subscriptions_api_subscribe_queue",
        caller=merchant(merchant_id),
        path={"merchant_id": merchant_id},
        body={"protocol": "sqs", "endpoint": arn},
    )
    assert invoke("notice_subscriptions_api", request)["statusCode"] == HTTPStatus.OK
    return url


def received(stack, queue_url: str) -> list[dict]:
    messages = []
    while batch := stack.sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        messages += batch
        for message in batch:
            stack.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def stream_event(*merchant_ids: str) -> dict:
    """Auto-refunds in the sample's shape, one record per merchant named."""
    sample = event("notifier_request_changes")
    records = []
    for index, merchant_id in enumerate(merchant_ids):
        record = json.loads(json.dumps(sample["Records"][0]))
        image = record["dynamodb"]["NewImage"]
        image["merchant_id"] = {"S": merchant_id}
        image["refund_id"] = {"S": f"r-{index}"}
        image["order_id"] = {"S": f"o-{index}"}
        record["dynamodb"]["SequenceNumber"] = f"{index + 1:021d}"
        records.append(record)
    return {"Records": records}


def test_each_merchant_receives_only_its_own_notices_in_the_documented_shape(stack):
    queues = {merchant_id: erp_queue(stack, merchant_id) for merchant_id in ("m-1", "m-2")}

    result = invoke("notifier", stream_event("m-1", "m-2", "m-1", "m-3"))

    assert result == {"batchItemFailures": []}
    for merchant_id, url in queues.items():
        messages = received(stack, url)
        notices = [json.loads(message["Body"]) for message in messages]
        assert {notice["merchant_id"] for notice in notices} == {merchant_id}
        assert len(notices) == (2 if merchant_id == "m-1" else 1)
        for message, notice in zip(messages, notices, strict=True):
            jsonschema.validate(notice, SCHEMA, format_checker=jsonschema.FormatChecker())
            assert message["MessageAttributes"]["merchant_id"]["StringValue"] == merchant_id
            assert message["MessageAttributes"]["notice_type"]["StringValue"] == "ORDER_AUTO_REFUNDED"


def test_the_notices_say_what_spec_says(stack):
    url = erp_queue(stack, "m-1")

    invoke("notifier", event("notifier_request_changes"))

    messages = received(stack, url)
    for message in messages:
        jsonschema.validate(json.loads(message["Body"]), SCHEMA, format_checker=jsonschema.FormatChecker())
    notices = sorted((json.loads(m["Body"]) for m in messages), key=lambda n: n["order_id"] + n["notice_type"])
    auto, approved, review = notices
    assert review | {"notice_id": None} == {
        "notice_id": None,
        "notice_type": "REFUND_REVIEW_REQUESTED",
        "merchant_id": "m-1",
        "order_id": "o-2",
        "refund_id": "3f0c6a1e-9b7d-4e2a-8c5f-000000000002",
        "amount_fen": 45000,
        "policy_rule_id": None,
        "reasons": ["AMOUNT_OVER_LIMIT", "POLICY_DISABLED"],
        "review_deadline": "2026-11-28T10:01:00+08:00",
        "action": "REVIEW",
        "guidance": "Approve or reject this refund request before its review deadline; a request still in review"
        " then is approved on your behalf.",
    }
    assert (approved["notice_type"], approved["action"]) == ("ORDER_REFUNDED", "INTERCEPT_OR_RECOVER")
    assert approved["resolution"] == {
        "by": "MERCHANT",
        "at": "2026-11-26T11:01:00+08:00",
        "reason_code": None,
        "message": None,
    }
    notice = auto
    assert notice | {"notice_id": None} == {
        "notice_id": None,
        "notice_type": "ORDER_AUTO_REFUNDED",
        "merchant_id": "m-1",
        "order_id": "o-1",
        "refund_id": "3f0c6a1e-9b7d-4e2a-8c5f-000000000001",
        "amount_fen": 19900,
        "policy_rule_id": None,
        "route": "PLATFORM_FAST_REFUND",
        "rule_version": "2023-09-13",
        "refunded_at": "2026-11-26T10:01:00+08:00",
        "action": "STOP_SHIPMENT",
        "guidance": "The buyer has been refunded. Do not ship. If the parcel has left, ask the courier to"
        " intercept it or ask the buyer to return it.",
    }


def fail_entries(monkeypatch, failing_ids: set[str]):
    """SNS answers some entries of each PublishBatch as failed (by the order in the message)."""
    client = aws_clients.client("sns")
    real = client.publish_batch

    def partly_failing(**request):
        entries = request["PublishBatchRequestEntries"]
        failing = [e for e in entries if json.loads(e["Message"])["order_id"] in failing_ids]
        passing = [e for e in entries if e not in failing]
        response = real(**(request | {"PublishBatchRequestEntries": passing})) if passing else {"Successful": []}
        response["Failed"] = [
            {"Id": e["Id"], "Code": "InternalError", "Message": "injected", "SenderFault": False} for e in failing
        ]
        return response

    monkeypatch.setattr(client, "publish_batch", partly_failing)


def test_failed_entries_are_reported_and_their_retry_keeps_the_notice_id(stack, monkeypatch):
    url = erp_queue(stack, "m-1")
    batch = stream_event("m-1", "m-1", "m-1")
    fail_entries(monkeypatch, {"o-1"})

    first = invoke("notifier", batch)
    monkeypatch.undo()
    retry = invoke("notifier", batch)  # Lambda delivers the batch again from the failed record

    assert first == {"batchItemFailures": [{"itemIdentifier": "000000000000000000002"}]}
    assert retry == {"batchItemFailures": []}
    notices = [json.loads(message["Body"]) for message in received(stack, url)]
    by_order = {}
    for notice in notices:
        by_order.setdefault(notice["order_id"], set()).add(notice["notice_id"])
    assert set(by_order) == {"o-0", "o-1", "o-2"}
    assert all(len(ids) == 1 for ids in by_order.values()), "a retried notice keeps its notice_id"


def test_a_failed_call_reports_every_record_of_it(stack, monkeypatch):
    def unavailable(**_):
        raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "PublishBatch")

    monkeypatch.setattr(aws_clients.client("sns"), "publish_batch", unavailable)

    result = invoke("notifier", stream_event("m-1", "m-1"))

    assert result == {
        "batchItemFailures": [{"itemIdentifier": "000000000000000000001"}, {"itemIdentifier": "000000000000000000002"}]
    }


def test_subscriptions_are_listed_and_removed_per_merchant(stack):
    erp_queue(stack, "m-1")
    erp_queue(stack, "m-2")
    listed = lambda merchant_id: response_json(  # noqa: E731
        invoke(
            "notice_subscriptions_api",
            api_event("notice_subscriptions_api_list", caller=merchant(merchant_id), path={"merchant_id": merchant_id}),
        )
    )["subscriptions"]
    [mine] = listed("m-1")
    [theirs] = listed("m-2")

    def delete(merchant_id: str, subscription_id: str) -> dict:
        request = api_event(
            "notice_subscriptions_api_list",
            caller=merchant(merchant_id),
            path={"merchant_id": merchant_id, "subscription_id": subscription_id},
        )
        request["httpMethod"] = request["requestContext"]["httpMethod"] = "DELETE"
        request["resource"] = "/merchants/{merchant_id}/notice-subscriptions/{subscription_id}"
        request["path"] = f"/merchants/{merchant_id}/notice-subscriptions/{subscription_id}"
        return invoke("notice_subscriptions_api", request)

    assert mine["filter_policy"] == {"merchant_id": ["m-1"]}
    assert delete("m-1", theirs["subscription_id"])["statusCode"] == HTTPStatus.NOT_FOUND
    assert delete("m-1", mine["subscription_id"])["statusCode"] == HTTPStatus.NO_CONTENT
    assert listed("m-1") == []
    assert len(listed("m-2")) == 1
    assert len(stack.sns.list_subscriptions()["Subscriptions"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"protocol": "https", "endpoint": "http://erp.example.com/notices"},
        {"protocol": "sqs", "endpoint": "arn:aws:sns:us-east-1:123456789012:not-a-queue"},
        {"protocol": "sqs", "endpoint": "https://sqs.us-east-1.amazonaws.com/123456789012/q"},
        {"protocol": "email", "endpoint": "not-an-address"},
        {"protocol": "sms", "endpoint": "+8613800000000"},
        {"endpoint": "ops@example.com"},
    ],
    ids=["plain-http", "sns-arn", "queue-url", "bad-email", "sms", "no-protocol"],
)
def test_a_bad_endpoint_is_422_and_subscribes_nothing(stack, body):
    request = api_event(
        "notice_subscriptions_api_subscribe_queue", caller=merchant(), path={"merchant_id": "m-1"}, body=body
    )

    response = invoke("notice_subscriptions_api", request)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response_json(response)["error"]["details"]
    assert stack.sns.list_subscriptions()["Subscriptions"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"protocol": "https", "endpoint": "https://erp.example.com/fast-refund/notices"},
        {"protocol": "email", "endpoint": "after-sales@example.com"},
    ],
)
def test_https_and_email_endpoints_are_accepted(stack, body):
    request = api_event(
        "notice_subscriptions_api_subscribe_queue", caller=merchant(), path={"merchant_id": "m-1"}, body=body
    )

    response = invoke("notice_subscriptions_api", request)

    assert response["statusCode"] == HTTPStatus.OK
    assert response_json(response)["endpoint"] == body["endpoint"]


def test_another_merchant_may_not_subscribe_or_list(stack):
    subscribe = api_event(
        "notice_subscriptions_api_subscribe_queue", caller=merchant("m-2"), path={"merchant_id": "m-1"}
    )
    listing = api_event("notice_subscriptions_api_list", caller=merchant("m-2"), path={"merchant_id": "m-1"})

    assert invoke("notice_subscriptions_api", subscribe)["statusCode"] == HTTPStatus.FORBIDDEN
    assert invoke("notice_subscriptions_api", listing)["statusCode"] == HTTPStatus.FORBIDDEN


def test_after_a_failed_call_the_rest_waits_for_the_redelivery(stack, monkeypatch):
    # Given 25 records (three SNS calls) where an entry of the second call fails
    url = erp_queue(stack, "m-1")
    batch = stream_event(*["m-1"] * 25)
    fail_entries(monkeypatch, {"o-12"})

    result = invoke("notifier", batch)

    # Then the failed record and those of the call never made are reported (Lambda delivers the
    # stream again from the earliest), and the third call was never made
    reported = [failure["itemIdentifier"] for failure in result["batchItemFailures"]]
    assert reported == [f"{n + 1:021d}" for n in (12, *range(20, 25))]
    published = sorted(int(json.loads(m["Body"])["order_id"][2:]) for m in received(stack, url))
    assert published == [*range(12), *range(13, 20)]
