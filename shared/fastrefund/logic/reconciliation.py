"""The safety net under the stream: a message owed by a request and not confirmed published after a
while (its stream delivery failed for good, or its function was down past the stream's 24 hours) is
published again, with the same id, from the request as it stands now.

Normally this finds nothing: each publisher confirms what it published within seconds. Whatever it
finds was at risk of being lost, so it is counted (and alarmed on) as well as sent. After an outage it
drains the backlog round after round within its time budget: each round reads up to 25 requests from each
of the index's shards, publishes them 10 to a call with several calls in flight, and confirms them in parallel.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastrefund.domain.clock import lag_seconds
from fastrefund.domain.models.refund import Refund
from fastrefund.domain.notices import Outbound, Outbox
from fastrefund.logic.ports import OwedMessages, Publisher
from fastrefund.logic.stream_publishing import confirm
from fastrefund.platform.observability import logger

MAX_PER_SHARD = 25  # requests read per index shard and round: 800 a round over the 32 shards
PUBLISH_BATCH = 10  # messages per SNS call
PUBLISHING_IN_PARALLEL = 8  # SNS calls in flight at once


@dataclass
class Republished:
    sent: int = 0
    oldest_owed: datetime | None = None  # since when the oldest message found owed was owed

    def lag_seconds(self, now: datetime) -> float:
        """How long the oldest message found owed had been owed (0 when none was past the grace)."""
        return lag_seconds(self.oldest_owed, now)


def republish_overdue(
    owed: OwedMessages,
    outbox: Outbox,
    publisher: Publisher,
    now: datetime,
    grace: timedelta,
    has_time: Callable[[], bool],
) -> Republished:
    """Publish again what has been owed since before `now - grace` and confirm it, round after round while
    `has_time()` and a round makes progress."""
    result = Republished()
    with ThreadPoolExecutor(max_workers=PUBLISHING_IN_PARALLEL) as pool:
        while has_time():
            owing = {
                message.message_id(): (message, refund)
                for refund in owed.owed_since_before(outbox, now - grace, MAX_PER_SHARD)
                if (message := outbox.owed(refund)) is not None
            }
            if owing and result.oldest_owed is None:
                result.oldest_owed = min(outbox.owed_since(refund) for _, refund in owing.values())
            messages = [message for message, _ in owing.values()]
            batches = [messages[start : start + PUBLISH_BATCH] for start in range(0, len(messages), PUBLISH_BATCH)]
            unpublished: set[str] = set().union(*pool.map(publisher.publish, batches))
            out = [
                (message, refund) for message_id, (message, refund) in owing.items() if message_id not in unpublished
            ]
            _log_sent_again(outbox, out)
            result.sent += len(out)
            if not confirm(outbox, owed, [refund for _, refund in out]):
                break  # nothing left, or nothing that goes out now: the next run tries again
    return result


def _log_sent_again(outbox: Outbox, out: list[tuple[Outbound, Refund]]) -> None:
    for message, refund in out:
        logger.warning(
            f"{outbox.name} sent again: owed and not confirmed published",
            extra={"message_id": message.message_id(), "order_id": refund.order_id, "refund_id": refund.refund_id},
        )
