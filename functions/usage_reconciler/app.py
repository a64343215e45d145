"""Every minute, takes back from each day's policy usage the reservations that no refund followed (a crash
between the reservation and the commit), once their bucket has settled; counted (UsageReservationsTakenBack).
A function of its own, so that the usage's 2-minute promise never waits behind republishing after an outage.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.clock import utc_now
from fastrefund.logic.usage_reconciliation import reconcile_usage
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    store, now = get_store(), utc_now()
    usage = reconcile_usage(
        store.leaked_reservations, store.policy_refunds, now, lambda: context.get_remaining_time_in_millis() / 1000
    )
    metrics.add_metric(name="UsageReservationsTakenBack", unit=MetricUnit.Count, value=usage.leaked_count)
    metrics.add_metric(name="OldestUnreconciledUsageAge", unit=MetricUnit.Seconds, value=usage.lag_seconds(now))
    logger.info(
        "daily usage reconciled",
        extra={"buckets": usage.buckets, "taken_back": usage.leaked_count, "counters_left": usage.counters_left},
    )
    return {"usage_taken_back": usage.leaked_count}
