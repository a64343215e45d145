"""Turning stream records into published notices, with the publisher in memory: which records are
reported for redelivery, and that a notice keeps its id across deliveries."""

import copy

from aws_lambda_powertools.utilities.batch import EventType

from devtools.sample_events import event
from fastrefund.logic.notifier import notify
from fastrefund.repositories.refunds import from_stream_image
from fastrefund.runtime.batch import LoggedBatchProcessor
from tests.unit.fakes import RecordingPublisher

SAMPLE = event("notifier_auto_refunds")  # two auto-refunds, sequence numbers ...001 and ...002


def deliver(batch: dict, publisher: RecordingPublisher) -> list[str]:
    processor = LoggedBatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    response = notify(batch, processor, from_stream_image, publisher)
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def refund_ids(batch: dict) -> list[str]:
    return [record["dynamodb"]["NewImage"]["refund_id"]["S"] for record in batch["Records"]]


def test_every_auto_refund_of_the_batch_is_published():
    publisher = RecordingPublisher()

    assert deliver(SAMPLE, publisher) == []
    assert [notice.refund_id for notice in publisher.published] == refund_ids(SAMPLE)
    assert {notice.action for notice in publisher.published} == {"STOP_SHIPMENT"}


def test_a_notice_not_published_is_reported_and_keeps_its_id_when_delivered_again():
    second = refund_ids(SAMPLE)[1]
    flaky = RecordingPublisher(failing={second})

    failed = deliver(SAMPLE, flaky)
    again = RecordingPublisher()
    deliver(SAMPLE, again)

    assert failed == [SAMPLE["Records"][1]["dynamodb"]["SequenceNumber"]]
    assert [notice.refund_id for notice in flaky.published] == refund_ids(SAMPLE)[:1]
    [lost] = [notice for notice in flaky.attempted if notice.refund_id == second]
    [redelivered] = [notice for notice in again.published if notice.refund_id == second]
    assert redelivered.notice_id == lost.notice_id


def test_a_record_that_is_not_an_auto_refund_fails_alone():
    batch = copy.deepcopy(SAMPLE)
    batch["Records"][0]["dynamodb"]["NewImage"]["status"] = {"S": "PENDING_REVIEW"}
    publisher = RecordingPublisher()

    failed = deliver(batch, publisher)

    assert failed == [batch["Records"][0]["dynamodb"]["SequenceNumber"]]
    assert [notice.refund_id for notice in publisher.published] == refund_ids(batch)[1:]
