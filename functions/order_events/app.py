"""Order intake: ORDER_PAID, ORDER_SHIPPED and ORDER_CLOSED messages from the order events queue.

Each message is applied on its own; one that fails is reported as a failed item of the batch,
so SQS delivers it again and, after the queue's maxReceiveCount, moves it to the dead-letter queue.
"""

import functools
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.edge.batch import LoggedBatchProcessor
from fastrefund.logic import order_events
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store

# Every record failing is reported like any partial failure: SQS redelivers the same records either way.
processor = LoggedBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@tracer.capture_method
def handle_record(record: SQSRecord, enrolled_at: order_events.EnrolledAt) -> None:
    logger.append_keys(message_id=record.message_id)
    event = order_events.parse(record.body)
    logger.info("order event received", extra={"type": event.type})
    order_events.apply(event, get_store(), enrolled_at)
    metrics.add_metric(name="OrderEventsApplied", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # Each merchant's enrolment at an instant is read once for the batch (order_events.apply says why that is exact)
    enrolled_at = functools.cache(get_store().merchants.enrolled_at)
    return process_partial_response(
        event=event,
        record_handler=lambda record: handle_record(record, enrolled_at),
        processor=processor,
        context=context,
    )
