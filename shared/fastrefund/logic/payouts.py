"""The money: each approval's payout instruction is published from the refunds table's stream; this is
what comes back from the payment system (PaymentResultsQueue), and ops' re-issue of a failed payout."""

import re
from datetime import datetime
from typing import Annotated, Literal

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field, TypeAdapter

from fastrefund.domain.clock import Instant
from fastrefund.domain.errors import OrderNotFound, PayoutNotFailed, RefundNotFound
from fastrefund.domain.identity import Caller
from fastrefund.domain.models.common import Frozen, Identifier
from fastrefund.domain.models.refund import Payout, PayoutStatus, Refund
from fastrefund.logic.ports import Store
from fastrefund.logic.settling import settle
from fastrefund.platform.observability import logger, metrics


class PayoutSucceeded(Frozen):
    type: Literal["REFUND_PAYOUT_SUCCEEDED"]
    refund_id: Identifier
    payout_id: Annotated[str, Field(max_length=128)]
    paid_out_at: Instant


class PayoutFailed(Frozen):
    type: Literal["REFUND_PAYOUT_FAILED"]
    refund_id: Identifier
    payout_id: Annotated[str, Field(max_length=128)]
    failure_code: Annotated[str, Field(min_length=1, max_length=64)]
    failed_at: Instant


PaymentResult = PayoutSucceeded | PayoutFailed
_result_adapter: TypeAdapter[PaymentResult] = TypeAdapter(Annotated[PaymentResult, Field(discriminator="type")])


class UnknownPayout(Exception):
    """A result for no refund, or for an attempt never instructed: it waits in the dead-letter queue."""


def parse_result(body: str) -> PaymentResult:
    return _result_adapter.validate_json(body)


def apply_result(result: PaymentResult, store: Store) -> None:
    """Record the payment system's answer on the refund. Idempotent; a result for an older attempt than
    the current one is ignored, and SUCCEEDED is final."""

    def step() -> None:
        refund = store.refunds.find(result.refund_id)
        if refund is None:
            raise UnknownPayout(f"no refund {result.refund_id}")
        payout = refund.payout
        attempt = _attempt_of(result, refund)
        if payout is None or attempt > payout.attempts:
            raise UnknownPayout(f"refund {refund.refund_id} never had payout {result.payout_id}")
        if attempt < payout.attempts or payout.status is PayoutStatus.SUCCEEDED:
            logger.info("payout result ignored", extra={"payout_id": result.payout_id, "current": payout.status})
            return
        match result:
            case PayoutSucceeded():
                changed = payout.model_copy(
                    update={"status": PayoutStatus.SUCCEEDED, "updated_at": result.paid_out_at, "failure_code": None}
                )
            case PayoutFailed():
                if payout.status is PayoutStatus.FAILED:
                    return  # the same failure again
                changed = payout.model_copy(
                    update={
                        "status": PayoutStatus.FAILED,
                        "updated_at": result.failed_at,
                        "failure_code": result.failure_code,
                    }
                )
        store.refunds.save_payout(refund.model_copy(update={"payout": changed}), seen=payout)
        if changed.status is PayoutStatus.FAILED:
            # The alarm on this metric tells ops to look, and re-issue with payout-retries.
            metrics.add_metric(name="PayoutsFailed", unit=MetricUnit.Count, value=1)
            logger.warning("payout failed", extra={"payout_id": result.payout_id, "code": changed.failure_code})
        else:
            metrics.add_metric(name="PayoutsSucceeded", unit=MetricUnit.Count, value=1)

    settle(step, "payout result")


def retry_payout(order_id: str, refund_id: str, caller: Caller, store: Store, now: datetime) -> Refund:
    """Ops re-issue a failed payout: attempt n+1, PENDING; its instruction goes out from the stream."""
    caller.require_ops()

    def step() -> Refund:
        order, refund = store.refunds.order_and_request(order_id, refund_id)
        if order is None:
            raise OrderNotFound(order_id)
        if refund is None:
            raise RefundNotFound(order_id, refund_id)
        payout = refund.payout
        if payout is None or payout.status is not PayoutStatus.FAILED:
            raise PayoutNotFailed(refund_id, payout.status if payout else None)
        again = Payout(updated_at=now, attempts=payout.attempts + 1)
        retried = refund.model_copy(update={"payout": again})
        store.refunds.save_payout(retried, seen=payout)
        logger.info("payout issued again", extra={"refund_id": refund_id, "attempt": again.attempts})
        return retried

    return settle(step, "payout retry")


def _attempt_of(result: PaymentResult, refund: Refund) -> int:
    """The attempt a result answers, from the payout id as it was instructed: `<refund id>:<attempt>`, the attempt
    written as Refund.payout_id writes it (1, 2, ...). Any other spelling (`:01`, `:0`, `:+1`) was never
    instructed: it is refused, never read as the attempt it resembles nor dropped as an older one."""
    refund_part, _, attempt = result.payout_id.rpartition(":")
    if refund_part != refund.refund_id or not re.fullmatch(r"[1-9][0-9]{0,8}", attempt):
        raise UnknownPayout(f"{result.payout_id} is not a payout of refund {refund.refund_id}")
    return int(attempt)
