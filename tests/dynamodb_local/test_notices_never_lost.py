"""No notice is lost: 1,000 refunds committed on DynamoDB Local, their stream delivered to the notifier
as Lambda would (filter, batches, retries from the earliest failed record), with 10% of publishes
failing. Every auto-refund's notice reaches the merchant's queue; duplicates keep their notice_id."""

import json
import random
from collections import Counter, defaultdict
from http import HTTPStatus

import boto3
import jsonschema
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from devtools.dynamodb_local import free_port
from devtools.event_sources import StreamDelivery, filter_patterns, passes, read_stream
from devtools.template import ROOT
from fastrefund.runtime import aws_clients
from tests.dynamodb_local import workers
from tests.support import api_event, buyer, enrol_since, invoke, paid_order_message, response_json, sqs_batch

REFUNDS = 1000
MERCHANTS = ("m-a", "m-b", "m-c", "m-d")
FAILING_SHARE = 0.10
SCHEMA = json.loads((ROOT / "docs" / "notice.schema.json").read_text())


@pytest.fixture
def notices_topic(local_tables, monkeypatch):
    """SNS and SQS on moto's server (DynamoDB stays on DynamoDB Local), with one queue per merchant."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", endpoint)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", endpoint)
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic = sns.create_topic(Name=local_tables.template.physical_name("MerchantNoticesTopic"))["TopicArn"]
        queues = {}
        for merchant_id in MERCHANTS:
            url = sqs.create_queue(QueueName=f"{merchant_id}-erp")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(
                TopicArn=topic,
                Protocol="sqs",
                Endpoint=arn,
                Attributes={"FilterPolicy": json.dumps({"merchant_id": [merchant_id]}), "RawMessageDelivery": "true"},
            )
            queues[merchant_id] = url
        monkeypatch.setenv("MERCHANT_NOTICES_TOPIC_ARN", topic)
        workers.reset()
        yield sqs, queues
    finally:
        server.stop()


def flaky_sns(monkeypatch, rng: random.Random) -> Counter:
    """Fails about 10% of publishes: single entries of a batch, and now and then a whole call."""
    client = aws_clients.client("sns")
    real = client.publish_batch
    calls = Counter()

    def publish_batch(**request):
        calls["PublishBatch"] += 1
        if rng.random() < FAILING_SHARE / 5:
            calls["whole call failed"] += 1
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "PublishBatch")
        entries = request["PublishBatchRequestEntries"]
        failing = [entry for entry in entries if rng.random() < FAILING_SHARE]
        passing = [entry for entry in entries if entry not in failing]
        calls["entries failed"] += len(failing)
        response = real(**(request | {"PublishBatchRequestEntries": passing})) if passing else {"Successful": []}
        response["Failed"] = [{"Id": e["Id"], "Code": "InternalError", "SenderFault": False} for e in failing]
        return response

    monkeypatch.setattr(client, "publish_batch", publish_batch)
    return calls


def drain(sqs, url) -> list[dict]:
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_every_auto_refund_reaches_its_merchant_despite_failing_publishes(local_tables, notices_topic, monkeypatch):
    sqs, queues = notices_topic
    # Given 1,000 orders of enrolled merchants, each refunded through the API
    for merchant_id in MERCHANTS:
        enrol_since("2026-01-01T00:00:00+08:00", merchant_id=merchant_id)
    orders = [(f"o-{n}", MERCHANTS[n % len(MERCHANTS)], f"b-{n}") for n in range(REFUNDS)]
    for first in range(0, REFUNDS, 10):
        messages = [paid_order_message(order_id=o, merchant_id=m, buyer_id=b) for o, m, b in orders[first : first + 10]]
        assert invoke("order_events", sqs_batch(*messages)) == {"batchItemFailures": []}
    refunds = {}
    for order_id, merchant_id, buyer_id in orders:
        request = api_event("orders_api_refund_request", caller=buyer(buyer_id), path={"order_id": order_id}, body={})
        response = invoke("orders_api", request)
        assert response["statusCode"] == HTTPStatus.CREATED
        refund = response_json(response)
        assert refund["status"] == "AUTO_REFUNDED"
        refunds[refund["refund_id"]] = merchant_id

    # When the refunds table's stream reaches the notifier as the template's event source delivers it
    source = local_tables.template.resources["NotifierFunction"]["Properties"]["Events"]["AutoRefunds"]
    stream_arn = local_tables.resolve.attributes[("RefundsTable", "StreamArn")]
    records = [
        record
        for record in read_stream(local_tables.client("dynamodbstreams"), stream_arn)
        if passes(filter_patterns(source), record)
    ]
    calls = flaky_sns(monkeypatch, random.Random(7))
    delivery = StreamDelivery(
        handler=lambda event: invoke("notifier", event),
        batch_size=source["Properties"]["BatchSize"],
        max_retries=source["Properties"]["MaximumRetryAttempts"],
    )
    delivery.deliver(records)

    # Then every refund's notice reached its merchant, valid, and duplicates share their notice_id
    notices = [notice for merchant_id, url in queues.items() for notice in drain(sqs, url)]
    by_refund = defaultdict(set)
    for notice in notices:
        jsonschema.validate(notice, SCHEMA)
        by_refund[notice["refund_id"]].add(notice["notice_id"])
        assert refunds[notice["refund_id"]] == notice["merchant_id"]
    duplicates = len(notices) - len(by_refund)
    print(
        f"\n{len(records)} stream records, {delivery.invocations} notifier invocations, {dict(calls)},"
        f" {len(notices)} notices received ({duplicates} duplicates), given up: {len(delivery.given_up)}"
    )
    assert delivery.given_up == []
    assert len(records) == REFUNDS
    assert set(by_refund) == set(refunds)
    assert all(len(ids) == 1 for ids in by_refund.values())
    assert calls["entries failed"] > REFUNDS * FAILING_SHARE / 2, "the failures really were injected"
