"""Sends the payment system one payout instruction per approval (and per ops re-issue), on SNS.

Triggered by the refunds table's stream, filtered to changes that leave a payout PENDING (template.yaml):
the instruction is derived from the committed change, so no approval goes unpaid after a crash; each one
published is confirmed on its request, and one left unconfirmed is sent again by ReconcilerFunction.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.notices import PAYOUTS
from fastrefund.edge.batch import LoggedBatchProcessor
from fastrefund.logic.stream_publishing import publish_changes
from fastrefund.messaging.publisher import TopicPublisher
from fastrefund.platform.config import PayoutsConfig, settings
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.refund_stream import change_of
from fastrefund.repositories.store import get_store

processor = LoggedBatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    publisher = TopicPublisher(settings(PayoutsConfig).refund_payouts_topic_arn)
    return publish_changes(event, processor, change_of, PAYOUTS, publisher, get_store().owed_messages)
