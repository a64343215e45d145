"""Turning a batch of refunds-table stream records into published messages (notices, payouts).

Each record is read on its own (Powertools' BatchProcessor) into the messages its change calls for,
then the messages go out 10 per SNS call. A record with a message not published is reported as a
failed item: Lambda delivers the stream again from the earliest one, and each message keeps its id,
so subscribers can drop duplicates. A message published is confirmed on its request (its owed mark
dropped); one never confirmed, because the stream's delivery failed for good, is sent again by the
reconciliation.
"""

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from fastrefund.domain.models.refund import Refund
from fastrefund.domain.notices import Outbound, Outbox
from fastrefund.logic.ports import OwedMessages, Publisher
from fastrefund.platform.observability import logger, metrics

ChangeReader = Callable[[dict[str, Any]], tuple[Refund | None, Refund]]  # a record's (OldImage, NewImage)


def publish_changes(
    event: dict[str, Any],
    processor: BatchProcessor,
    read_change: ChangeReader,
    outbox: Outbox,
    publisher: Publisher,
    owed: OwedMessages,
) -> PartialItemFailureResponse:
    """Publish what each record's change newly owes of `outbox`, and confirm it on the request; the
    outbox names the metrics (NoticesPublished and NoticePublishFailures for notices)."""
    # by the record's sequence number: the request as the change left it, and the messages it newly owes
    changes: dict[str, tuple[Refund, Sequence[Outbound]]] = {}

    def read_messages(record: DynamoDBRecord) -> None:
        stream_record = record.raw_event["dynamodb"]
        before, after = read_change(stream_record)
        changes[stream_record["SequenceNumber"]] = (after, outbox.newly_owed(before, after))

    with processor(records=event["Records"], handler=read_messages):
        processor.process()
    outgoing = [message for _, found in changes.values() for message in found]
    unpublished = publisher.publish(outgoing)

    failures = processor.response()["batchItemFailures"] + [
        {"itemIdentifier": sequence} for sequence, (_, found) in changes.items() if any_in(found, unpublished)
    ]
    published_states = [after for after, found in changes.values() if found and not any_in(found, unpublished)]
    confirmed = confirm(outbox, owed, published_states)
    published = len(outgoing) - len(unpublished)
    metrics.add_metric(name=outbox.published_metric, unit=MetricUnit.Count, value=published)
    metrics.add_metric(name=outbox.failures_metric, unit=MetricUnit.Count, value=len(unpublished))
    logger.info(
        f"{outbox.name}s sent", extra={"published": published, "confirmed": confirmed, "redelivered": len(failures)}
    )
    return {"batchItemFailures": failures}


def any_in(messages: Sequence[Outbound], ids: set[str]) -> bool:
    return any(message.message_id() in ids for message in messages)


CONFIRMING_IN_PARALLEL = 16  # one write each, waiting on DynamoDB: a batch of 100 in the time of about 7


def confirm(outbox: Outbox, owed: OwedMessages, published: list[Refund]) -> int:
    """Drop the owed marks of what was published, in parallel; how many were dropped. A mark that could not
    be dropped only means a duplicate later (the reconciliation sends that message again, with its id)."""

    def confirm_one(refund: Refund) -> bool:
        try:
            return owed.confirm_published(outbox, refund)
        except Exception:  # the message is out: failing the record would only publish it again now
            logger.exception("published, not confirmed", extra={"refund_id": refund.refund_id})
            return False

    if len(published) <= 1:
        return sum(map(confirm_one, published))
    with ThreadPoolExecutor(max_workers=min(CONFIRMING_IN_PARALLEL, len(published))) as pool:
        return sum(pool.map(confirm_one, published))
