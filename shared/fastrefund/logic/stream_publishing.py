"""Turning a batch of refunds-table stream records into published messages (notices, payouts).

Each record is read on its own (Powertools' BatchProcessor) into the messages its change calls for,
then the messages go out 10 per SNS call. A record with a message not published is reported as a
failed item: Lambda delivers the stream again from the earliest one, and each message keeps its id,
so subscribers can drop duplicates.
"""

from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from fastrefund.domain.models import Refund
from fastrefund.domain.notices import Outbound
from fastrefund.logic.ports import Publisher
from fastrefund.runtime.observability import logger, metrics

ChangeReader = Callable[[dict[str, Any]], tuple[Refund | None, Refund]]  # a record's (OldImage, NewImage)
Derive = Callable[[Refund | None, Refund], Sequence[Outbound]]


def publish_changes(
    event: dict[str, Any],
    processor: BatchProcessor,
    read_change: ChangeReader,
    derive: Derive,
    publisher: Publisher,
    kind: str,
) -> PartialItemFailureResponse:
    """Publish what each record's change calls for; `kind` names the metrics (NoticesPublished and
    NoticePublishFailures for "Notice")."""
    messages: dict[str, Sequence[Outbound]] = {}  # by the record's sequence number

    def read_messages(record: DynamoDBRecord) -> None:
        stream_record = record.raw_event["dynamodb"]
        messages[stream_record["SequenceNumber"]] = derive(*read_change(stream_record))

    with processor(records=event["Records"], handler=read_messages):
        processor.process()
    outgoing = [message for found in messages.values() for message in found]
    unpublished = publisher.publish(outgoing)

    failures = processor.response()["batchItemFailures"] + [
        {"itemIdentifier": sequence}
        for sequence, found in messages.items()
        if any(message.message_id() in unpublished for message in found)
    ]
    published = len(outgoing) - len(unpublished)
    metrics.add_metric(name=f"{kind}sPublished", unit=MetricUnit.Count, value=published)
    metrics.add_metric(name=f"{kind}PublishFailures", unit=MetricUnit.Count, value=len(unpublished))
    logger.info(f"{kind.lower()}s sent", extra={"published": published, "redelivered": len(failures)})
    return {"batchItemFailures": failures}
