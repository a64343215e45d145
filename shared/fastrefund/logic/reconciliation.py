"""The safety net under the stream: a message owed by a request and not confirmed published after a
while (its stream delivery failed for good, or its function was down past the stream's 24 hours) is
published again, with the same id, from the request as it stands now.

Normally this finds nothing: each publisher confirms what it published within seconds. Whatever it
finds was at risk of being lost, so it is counted (and alarmed on) as well as sent.
"""

from datetime import datetime, timedelta

from fastrefund.domain.models.refund import Refund
from fastrefund.domain.notices import Outbound, Outbox
from fastrefund.logic.ports import OwedMessages, Publisher, Refunds
from fastrefund.logic.stream_publishing import confirm
from fastrefund.platform.observability import logger

MAX_PER_SHARD = 100  # requests read per index shard and run; the next run goes on


def republish_overdue(
    owed: OwedMessages, refunds: Refunds, outbox: Outbox, publisher: Publisher, now: datetime, grace: timedelta
) -> int:
    """Publish again what has been owed since before `now - grace` and confirm it; how many were sent."""
    owing: list[tuple[Outbound, Refund]] = []
    for order_id, refund_id in owed.owing_since_before(outbox, now - grace, MAX_PER_SHARD):
        refund = refunds.get(order_id, refund_id)  # the index lags: trust only the request as it is now
        message = outbox.owed(refund) if refund is not None else None
        if refund is not None and message is not None:
            owing.append((message, refund))
    unpublished = publisher.publish([message for message, _ in owing])
    sent = [(message, refund) for message, refund in owing if message.message_id() not in unpublished]
    for message, refund in sent:
        logger.warning(
            f"{outbox.name} sent again: owed and not confirmed published",
            extra={"message_id": message.message_id(), "order_id": refund.order_id, "refund_id": refund.refund_id},
        )
    confirm(outbox, owed, [refund for _, refund in sent])
    return len(sent)
