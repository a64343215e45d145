"""The review deadline, every minute: hands each review partition to a sweeper (functions/review_sweeper) on the
review sweep queue, so that the partitions are swept in parallel and no merchant's wave of deadlines holds back
another's. Requests past their deadline are approved for the silent merchant, or cancelled on a closed order, or
passed to ops when a buyer's guard held them: how long the oldest of those has waited is measured here, each minute.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.clock import utc_now
from fastrefund.logic import review_deadlines
from fastrefund.messaging.publisher import QueueSender
from fastrefund.platform.config import ReviewSweepConfig, settings
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    store, sweep_queue = get_store(), QueueSender(settings(ReviewSweepConfig).review_sweep_queue_url)
    units = review_deadlines.units(store)
    if sweep_queue.waiting() >= len(units):
        # The sweepers have not taken the last round yet: another would only sweep the same partitions again, and
        # bury them deeper (ReviewSweepQueueAgeAlarm says so). The round waiting sweeps from its own start.
        logger.warning("review partitions not handed out: the last round still waits", extra={"partitions": 0})
        metrics.add_metric(name="ReviewSweepRoundsSkipped", unit=MetricUnit.Count, value=1)
        units = []
    sweep_queue.send([unit.model_dump_json() for unit in units])
    logger.info("review partitions handed out", extra={"partitions": len(units)})
    waited = review_deadlines.oldest_escalated_wait(store, utc_now())
    metrics.add_metric(name="OldestEscalatedRequestAge", unit=MetricUnit.Seconds, value=waited)
    return {"partitions": len(units)}
