"""The review deadline, every minute: requests still in review past their deadline are approved for the
silent merchant (or cancelled when the order was closed). Read from a sparse index of requests in review
by deadline; each is decided by the same conditional transaction as a merchant's decision, so a
merchant who decides at the same moment either wins or is answered with the timeout's result.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.clock import utc_now
from fastrefund.logic import reviews
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store

BATCH = 100  # due requests read per query
TIME_LEFT_MS = 3000  # stop taking new ones this close to the function's timeout: the next run goes on


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    store, decided, failed = get_store(), 0, 0
    while context.get_remaining_time_in_millis() > TIME_LEFT_MS:
        due = store.refunds.due_for_timeout(utc_now(), BATCH)
        progressed = False
        for order_id, refund_id in due:
            try:
                if reviews.expire(order_id, refund_id, store, utc_now()) is not None:
                    decided += 1
                    progressed = True
            except Exception:  # one request's trouble must not hold back the others; the next run retries it
                logger.exception("review deadline not applied", extra={"order_id": order_id, "refund_id": refund_id})
                failed += 1
        if len(due) < BATCH or not progressed:
            break
    metrics.add_metric(name="ReviewsTimedOut", unit=MetricUnit.Count, value=decided)
    metrics.add_metric(name="ReviewTimeoutFailures", unit=MetricUnit.Count, value=failed)
    logger.info("review deadlines applied", extra={"decided": decided, "failed": failed})
    return {"decided": decided, "failed": failed}
