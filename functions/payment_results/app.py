"""The payment system's answers (PaymentResultsQueue): each payout SUCCEEDED or FAILED on its refund.

Each message is applied on its own; a malformed one, or one for an unknown refund or payout, is a failed
item of the batch, so SQS moves it to the dead-letter queue after the queue's maxReceiveCount.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.edge.batch import LoggedBatchProcessor
from fastrefund.logic import payouts
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store

processor = LoggedBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@tracer.capture_method
def handle_record(record: SQSRecord) -> None:
    logger.append_keys(message_id=record.message_id)
    result = payouts.parse_result(record.body)
    logger.append_keys(refund_id=result.refund_id, payout_id=result.payout_id)
    payouts.apply_result(result, get_store())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
