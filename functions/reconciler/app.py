"""Every minute, sends again each notice and payout instruction that a request has owed for longer than
REPUBLISH_AFTER_SECONDS without its publisher confirming it (the stream's delivery failed for good, or was
down past the stream's 24 hours); counted (NoticesRepublished, PayoutsRepublished) and alarmed on. Each
outbox has its schedule, whose event names it (`{"outbox": "notice"}`), so that each drains a backlog on a
Lambda of its own; an event that names none (the sample, `make invoke`) does both at once. Normally it finds
nothing.

The daily usage is reconciled by functions/usage_reconciler, on its own.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.clock import utc_now
from fastrefund.domain.notices import NOTICES, PAYOUTS, Outbox
from fastrefund.logic.reconciliation import Republished, republish_overdue
from fastrefund.messaging.publisher import TopicPublisher
from fastrefund.platform.config import Config, PayoutsConfig, settings
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store

TIME_LEFT_MS = 8000  # start no new round this close to the timeout: the next run goes on


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    store, grace, now = get_store(), timedelta(seconds=settings(Config).republish_after_seconds), utc_now()
    topics = {
        outbox: topic
        for outbox, topic in (
            (NOTICES, settings(Config).merchant_notices_topic_arn),
            (PAYOUTS, settings(PayoutsConfig).refund_payouts_topic_arn),
        )
        if event.get("outbox") in (None, outbox.name)
    }

    def has_time() -> bool:
        return context.get_remaining_time_in_millis() > TIME_LEFT_MS

    def republish(outbox: Outbox) -> Republished:
        return republish_overdue(store.owed_messages, outbox, TopicPublisher(topics[outbox]), now, grace, has_time)

    with ThreadPoolExecutor(max_workers=len(topics)) as pool:
        sent = dict(zip(topics, pool.map(republish, topics), strict=True))
    republished = {}
    for outbox, result in sent.items():
        metrics.add_metric(name=outbox.republished_metric, unit=MetricUnit.Count, value=result.sent)
        republished[f"{outbox.name}s"] = result.sent
    oldest = max((result.lag_seconds(now) for result in sent.values()), default=0.0)
    metrics.add_metric(name="OldestOwedMessageAge", unit=MetricUnit.Seconds, value=oldest)
    logger.info("unconfirmed messages reconciled", extra=republished)
    return republished
