"""The publishing side of the DynamoDB Local tests: SNS and SQS on moto's server, the refunds table's
stream delivered to a publisher as Lambda would, and the queues drained."""

import json
from collections.abc import Iterator
from http import HTTPStatus

import boto3
from moto.server import ThreadedMotoServer

from devtools.emulator.dynamodb_local import free_port
from devtools.emulator.event_sources import StreamDelivery, filter_patterns, on_failure_message, passes, read_stream
from tests.dynamodb_local import workers
from tests.support import api_event, buyer, invoke, merchant, response_json

# Sixteen merchants, each with a queue of its own: moto's SQS reads a queue in time proportional to its length,
# so draining one takes time in the square of its length; 16 queues drain 1,000 refunds' messages 4 times
# faster than 4 did (tests/dynamodb_local/test_notices_never_lost.py: 67 s of 132, now about 17).
MERCHANTS = tuple(f"m-{letter}" for letter in "abcdefghijklmnop")


def topics_with_queues(local_tables, monkeypatch) -> Iterator[tuple]:
    """SNS and SQS on moto's server (DynamoDB stays on DynamoDB Local), with one queue per merchant for its
    notices (its ERP's) and one for its payouts (the payment system's)."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", endpoint)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", endpoint)
        sns, sqs = boto3.client("sns"), boto3.client("sqs")

        def queue_per_merchant(topic_logical_id: str, queue_prefix: str) -> tuple[str, dict[str, str]]:
            """The topic, and one queue per merchant subscribed to that merchant's messages (one queue for all
            would be slow: moto's SQS takes time in the square of a queue's length)."""
            topic = sns.create_topic(Name=local_tables.template.physical_name(topic_logical_id))["TopicArn"]
            urls = {}
            for merchant_id in MERCHANTS:
                url = sqs.create_queue(QueueName=f"{queue_prefix}-{merchant_id}")["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                attributes = {"FilterPolicy": json.dumps({"merchant_id": [merchant_id]}), "RawMessageDelivery": "true"}
                sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attributes)
                urls[merchant_id] = url
            return topic, urls

        notices, erp_queues = queue_per_merchant("MerchantNoticesTopic", "erp")
        payouts, payment_queues = queue_per_merchant("RefundPayoutsTopic", "payment-system")
        monkeypatch.setenv("MERCHANT_NOTICES_TOPIC_ARN", notices)
        monkeypatch.setenv("REFUND_PAYOUTS_TOPIC_ARN", payouts)
        workers.reset()
        yield sqs, erp_queues, payment_queues
    finally:
        server.stop()


def drain(sqs, url) -> list[dict]:
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def deliver_stream(local_tables, function: str, logical_id: str, event_name: str) -> tuple[StreamDelivery, int, list]:
    """The refunds table's stream, filtered and delivered to the function as its event source would: the
    delivery, how many records passed the filter, and the on-failure messages of the batches given up."""
    source = local_tables.template.resources[logical_id]["Properties"]["Events"][event_name]
    stream_arn = local_tables.resolve.attributes[("RefundsTable", "StreamArn")]
    shards: dict[str, str] = {}
    records = [
        record
        for record in read_stream(local_tables.client("dynamodbstreams"), stream_arn, shards=shards)
        if passes(filter_patterns(source), record)
    ]
    delivery = StreamDelivery(
        handler=lambda event: invoke(function, event),
        batch_size=source["Properties"]["BatchSize"],
        max_retries=source["Properties"]["MaximumRetryAttempts"],
    )
    delivery.deliver(records)
    on_failure = [
        on_failure_message(stream_arn, shards[batch[0]["dynamodb"]["SequenceNumber"]], batch)
        for batch in delivery.given_up
    ]
    return delivery, len(records), on_failure


def refund_approved(order_id: str, merchant_id: str, buyer_id: str) -> tuple[dict, bool]:
    """The buyer asks for a refund through the API; one that goes to review is approved by its merchant.
    The refund as first answered, and whether it went through review."""
    request = api_event("orders_api_refund_request", caller=buyer(buyer_id), path={"order_id": order_id}, body={})
    response = invoke("orders_api", request)
    assert response["statusCode"] == HTTPStatus.CREATED
    refund = response_json(response)
    if refund["status"] != "PENDING_REVIEW":
        return refund, False
    path = {"order_id": order_id, "refund_id": refund["refund_id"]}
    approval = api_event("refund_requests_api_approve", caller=merchant(merchant_id), path=path)
    assert response_json(invoke("refund_requests_api", approval))["status"] == "APPROVED"
    return refund, True
