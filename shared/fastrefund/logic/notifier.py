"""Turning a batch of refunds-table stream records into published notices.

Each record is read on its own (Powertools' BatchProcessor), then the notices go out 10 per SNS call.
A record whose notice was not published is reported as a failed item: Lambda delivers the stream
again from the earliest one, and the notice keeps its notice_id, so subscribers can drop duplicates.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from fastrefund.domain.models import Refund
from fastrefund.domain.notices import Notice
from fastrefund.logic.ports import NoticePublisher
from fastrefund.runtime.observability import logger, metrics


def notify(
    event: dict[str, Any],
    processor: BatchProcessor,
    read_refund: Callable[[dict[str, Any]], Refund],
    publisher: NoticePublisher,
) -> PartialItemFailureResponse:
    """`read_refund` reads a refund from a record's NewImage (the refunds repository's codec)."""
    notices: dict[str, Notice] = {}  # by the record's sequence number

    def read_notice(record: DynamoDBRecord) -> None:
        stream_record = record.raw_event["dynamodb"]
        notices[stream_record["SequenceNumber"]] = Notice.of(read_refund(stream_record["NewImage"]))

    with processor(records=event["Records"], handler=read_notice):
        processor.process()
    unpublished = publisher.publish(list(notices.values()))

    failures = processor.response()["batchItemFailures"] + [
        {"itemIdentifier": sequence} for sequence, notice in notices.items() if notice.notice_id in unpublished
    ]
    metrics.add_metric(name="NoticesPublished", unit=MetricUnit.Count, value=len(notices) - len(unpublished))
    metrics.add_metric(name="NoticePublishFailures", unit=MetricUnit.Count, value=len(unpublished))
    logger.info("notices sent", extra={"published": len(notices) - len(unpublished), "redelivered": len(failures)})
    return {"batchItemFailures": failures}
