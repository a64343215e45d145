"""Every minute, makes the stored bookkeeping agree with the facts:

- sends again each notice and payout instruction that a request has owed for longer than
  REPUBLISH_AFTER_SECONDS without its publisher confirming it (the stream's delivery failed for good, or
  was down past the stream's 24 hours); counted (NoticesRepublished, PayoutsRepublished) and alarmed on;
- takes back from each day's policy usage the reservations that no refund followed (a crash between the
  reservation and the commit), once their bucket has settled; counted (UsageReservationsTakenBack).
Normally it finds nothing.
"""

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.clock import utc_now
from fastrefund.domain.notices import NOTICES, PAYOUTS
from fastrefund.logic.reconciliation import republish_overdue
from fastrefund.logic.usage_reconciliation import reconcile_usage
from fastrefund.messaging.publisher import TopicPublisher
from fastrefund.platform.config import get_config, get_payouts_config
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    store, grace, now = get_store(), timedelta(seconds=get_config().republish_after_seconds), utc_now()
    topics = {
        NOTICES: get_config().merchant_notices_topic_arn,
        PAYOUTS: get_payouts_config().refund_payouts_topic_arn,
    }
    republished = {}
    for outbox, topic in topics.items():
        sent = republish_overdue(store.owed_messages, store.refunds, outbox, TopicPublisher(topic), now, grace)
        metrics.add_metric(name=outbox.republished_metric, unit=MetricUnit.Count, value=sent)
        republished[f"{outbox.name}s"] = sent
    logger.info("unconfirmed messages reconciled", extra=republished)
    usage = reconcile_usage(
        store.leaked_reservations, store.workbench, now, lambda: context.get_remaining_time_in_millis() / 1000
    )
    metrics.add_metric(name="UsageReservationsTakenBack", unit=MetricUnit.Count, value=usage.leaked_count)
    logger.info(
        "daily usage reconciled",
        extra={"buckets": usage.buckets, "taken_back": usage.leaked_count, "counters_left": usage.counters_left},
    )
    return republished | {"usage_taken_back": usage.leaked_count}
