"""Tells merchants at once what became of their orders' refund requests (SNS notices): an order
auto-refunded, a request handed to review, a request approved in review.

Triggered by the refunds table's stream, filtered to those changes (template.yaml); each notice published
is confirmed on its request, and one left unconfirmed is sent again by ReconcilerFunction.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.notices import NOTICES
from fastrefund.edge.batch import LoggedBatchProcessor
from fastrefund.logic.stream_publishing import publish_changes
from fastrefund.messaging.publisher import TopicPublisher
from fastrefund.platform.config import Config, settings
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.refund_stream import change_of
from fastrefund.repositories.store import get_store

processor = LoggedBatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    publisher = TopicPublisher(settings(Config).merchant_notices_topic_arn)
    return publish_changes(event, processor, change_of, NOTICES, publisher, get_store().owed_messages)
