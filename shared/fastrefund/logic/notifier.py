"""Turning a batch of refunds-table stream records into published notices.

Each record is read on its own (Powertools' BatchProcessor), then the notices go out 10 per SNS call.
A record whose notice was not published is reported as a failed item: Lambda delivers the stream
again from the earliest one, and the notice keeps its notice_id, so subscribers can drop duplicates.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from fastrefund.domain.notices import Notice
from fastrefund.messaging.publisher import NoticePublisher
from fastrefund.repositories.refunds import from_stream_image
from fastrefund.runtime.observability import logger, metrics


def notify(event: dict[str, Any], processor: BatchProcessor, publisher: NoticePublisher) -> PartialItemFailureResponse:
    notices: dict[str, Notice] = {}  # by the record's sequence number

    def read_notice(record: DynamoDBRecord) -> None:
        image = record.raw_event["dynamodb"]["NewImage"]
        notices[record.dynamodb.sequence_number] = Notice.of(from_stream_image(image))

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
