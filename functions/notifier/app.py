"""Tells merchants at once when an order they have not shipped is auto-refunded (SNS notices).

Triggered by the refunds table's stream, filtered to new AUTO_REFUNDED records (template.yaml).
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.logic.notifier import notify
from fastrefund.messaging.publisher import NoticePublisher
from fastrefund.repositories.refunds import from_stream_image
from fastrefund.runtime.batch import LoggedBatchProcessor
from fastrefund.runtime.config import get_config
from fastrefund.runtime.observability import logger, metrics, tracer

processor = LoggedBatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return notify(event, processor, from_stream_image, NoticePublisher(get_config().merchant_notices_topic_arn))
