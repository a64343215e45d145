"""One review partition, swept: its requests past their deadline approved for the silent merchant (cancelled on a
closed order; passed to ops when a buyer's guard held them), in parallel, within a time budget
(logic/review_deadlines.py). Each decision is the same conditional transaction as a merchant's, so a merchant
deciding at the same moment either wins or is answered with the deadline's result.

A unit lives a minute on its queue (its retention period): by then the next minute's has been handed out.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.clock import utc_now
from fastrefund.logic import review_deadlines
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store

TIME_LEFT_MS = 15_000  # stop reading new pages this close to the timeout: the next minute goes on


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    decided = escalated = failed = 0
    for record in SQSEvent(event).records:  # the queue hands out one unit at a time
        unit = review_deadlines.SweepUnit.model_validate_json(record.body)
        logger.append_keys(partition=unit.partition)
        started = utc_now()
        outcome = review_deadlines.sweep(
            unit.partition, get_store(), utc_now, lambda: context.get_remaining_time_in_millis() > TIME_LEFT_MS
        )
        metrics.add_metric(name="ReviewsTimedOut", unit=MetricUnit.Count, value=outcome.decided)
        metrics.add_metric(name="ReviewsEscalated", unit=MetricUnit.Count, value=outcome.escalated)
        metrics.add_metric(name="ReviewTimeoutFailures", unit=MetricUnit.Count, value=outcome.failed)
        metrics.add_metric(name="OldestDueReviewAge", unit=MetricUnit.Seconds, value=outcome.lag_seconds(started))
        logger.info(
            "review deadlines applied",
            extra={"decided": outcome.decided, "escalated": outcome.escalated, "failed": outcome.failed},
        )
        decided, escalated, failed = decided + outcome.decided, escalated + outcome.escalated, failed + outcome.failed
    return {"decided": decided, "escalated": escalated, "failed": failed}
