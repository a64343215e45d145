"""The local stand-ins for Lambda's event source mappings: filters, stream retries, SQS redrive."""

import json
import threading

import boto3
from moto import mock_aws

from devtools.catalogue.template import Template
from devtools.emulator.event_sources import StreamDelivery, filter_patterns, matches, passes
from devtools.emulator.local_pollers import SqsPoller

PATTERN = {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["AUTO_REFUNDED"]}}}}


def record(sequence: int, status: str = "AUTO_REFUNDED", event_name: str = "INSERT") -> dict:
    return {
        "eventName": event_name,
        "dynamodb": {"SequenceNumber": f"{sequence:021d}", "NewImage": {"status": {"S": status}}},
    }


def test_the_filter_takes_new_auto_refunds_only():
    assert matches(PATTERN, record(1))
    assert not matches(PATTERN, record(1, status="PENDING_REVIEW"))
    assert not matches(PATTERN, record(1, event_name="MODIFY"))
    assert not matches(PATTERN, {"eventName": "INSERT", "dynamodb": {}})


def test_a_stream_batch_is_delivered_again_from_its_earliest_failure():
    seen: list[list[int]] = []
    failed_once = set()

    def handler(event: dict) -> dict:
        sequences = [int(r["dynamodb"]["SequenceNumber"]) for r in event["Records"]]
        seen.append(sequences)
        failing = [s for s in sequences if s % 4 == 0 and s not in failed_once]
        failed_once.update(failing)
        return {"batchItemFailures": [{"itemIdentifier": f"{s:021d}"} for s in failing]}

    delivery = StreamDelivery(handler, batch_size=5, max_retries=2)
    delivery.deliver([record(n) for n in range(1, 11)])

    assert seen == [[1, 2, 3, 4, 5], [4, 5, 6, 7, 8], [8, 9, 10]]
    assert delivery.given_up == []


def test_a_batch_that_keeps_failing_goes_to_the_on_failure_destination_after_the_retries():
    calls = []

    def always_failing(event: dict) -> dict:
        calls.append(len(event["Records"]))
        return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["dynamodb"]["SequenceNumber"]}]}

    delivery = StreamDelivery(always_failing, batch_size=3, max_retries=2)
    delivery.deliver([record(n) for n in range(1, 5)])

    assert calls == [3, 3, 3, 1, 1, 1]
    assert [[r["dynamodb"]["SequenceNumber"] for r in batch] for batch in delivery.given_up] == [
        [f"{n:021d}" for n in (1, 2, 3)],
        [f"{4:021d}"],
    ]


def test_a_function_that_raises_gets_the_whole_batch_again_and_loses_no_record():
    calls = []

    def crashing_once(event: dict) -> dict:
        calls.append(len(event["Records"]))
        if len(calls) == 1:
            raise TimeoutError("the environment was stopped")  # a timeout or a crash: no answer at all
        return {"batchItemFailures": []}

    delivery = StreamDelivery(crashing_once, batch_size=3, max_retries=2)
    delivery.deliver([record(n) for n in range(1, 5)])

    assert calls == [3, 3, 1]
    assert delivery.given_up == []


def test_the_sqs_poller_deletes_successes_and_sqs_redrives_failures(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        sqs = boto3.client("sqs")
        dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
        queue = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "0", "RedrivePolicy": redrive})
        for body in ("good", "bad", "good"):
            sqs.send_message(QueueUrl=queue["QueueUrl"], MessageBody=body)

        class Functions:
            def invoke(self, _function: str, event: dict) -> dict:
                return {
                    "batchItemFailures": [
                        {"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"
                    ]
                }

        poller = SqsPoller(threading.Event(), Functions(), "F", sqs, queue["QueueUrl"], "arn:q", batch_size=10)
        while poller.poll_once():
            pass

        assert sqs.receive_message(QueueUrl=queue["QueueUrl"]).get("Messages") is None
        parked = sqs.receive_message(QueueUrl=dlq)["Messages"]
        assert [message["Body"] for message in parked] == ["bad"]


def test_the_payout_publisher_wakes_for_every_change_it_counts_in_the_statement_never_for_a_removal():
    mapping = Template.load().resources["PayoutPublisherFunction"]["Properties"]["Events"]
    [patterns] = [filter_patterns(source) for source in mapping.values() if source["Type"] == "DynamoDB"]
    pending = {"payout": {"M": {"status": {"S": "PENDING"}}}, "status": {"S": "APPROVED"}}
    owed = pending | {"payout_owed": {"S": "3"}, "payout_owed_since": {"S": "2026-11-26T02:00:00.000000Z r-1:1"}}

    assert passes(patterns, {"eventName": "MODIFY", "dynamodb": {"NewImage": owed}})
    # its own confirmation too: the statement takes it in (it publishes nothing: the payout is no longer owed)
    assert passes(patterns, {"eventName": "MODIFY", "dynamodb": {"NewImage": pending}})
    assert passes(patterns, {"eventName": "INSERT", "dynamodb": {"NewImage": pending}})
    assert not passes(patterns, {"eventName": "REMOVE", "dynamodb": {"OldImage": pending}})
