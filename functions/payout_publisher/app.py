"""Sends the payment system one payout instruction per approval (and per ops re-issue), on SNS, and keeps the
merchants' fast-refund statements.

Triggered by the refunds table's stream (every change: a stream shard takes two readers at most, and the notifier
is the other): each instruction is derived from the committed change, so no approval goes unpaid after a crash;
each one published is confirmed on its request, and one left unconfirmed is sent again by ReconcilerFunction.
Each change is then counted in its merchant's statement, once (logic/statement.py). A record whose payout or
count failed is reported, and the stream delivers it again: both are idempotent.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.clock import utc_now
from fastrefund.domain.notices import PAYOUTS
from fastrefund.edge.batch import LoggedBatchProcessor
from fastrefund.logic.statement import keep_statement
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
    store = get_store()
    publisher = TopicPublisher(settings(PayoutsConfig).refund_payouts_topic_arn)
    published = publish_changes(event, processor, change_of, PAYOUTS, publisher, store.owed_messages)
    uncounted = keep_statement(event["Records"], change_of, store.statement, utc_now())
    metrics.add_metric(name="StatementChangesFailed", unit=MetricUnit.Count, value=len(uncounted))
    failed = {str(failure["itemIdentifier"]) for failure in published["batchItemFailures"]} | set(uncounted)
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in sorted(failed)]}
