"""A refunded order's parcel that left anyway (the seed's warning: refunded all the same, so the merchant must
intercept it or ask for it back), and what became of it. Recorded by the order's merchant or erp, or ops, on the
order's refund; the statement counts it on the day the refund was decided."""

from datetime import datetime

from pydantic import AwareDatetime, Field

from fastrefund.domain.clock import Instant, to_api
from fastrefund.domain.errors import OrderNotFound, OrderNotRefunded, ParcelNotFound, ParcelOutcomeRecorded
from fastrefund.domain.identity import Caller
from fastrefund.domain.models.common import Frozen
from fastrefund.domain.models.order import Carrier, OrderStatus, TrackingNumber
from fastrefund.domain.models.refund import ParcelAfterRefund, ParcelOutcome, Refund
from fastrefund.logic.ports import Store
from fastrefund.logic.settling import settle


class ParcelRecord(Frozen):
    carrier: Carrier
    tracking_number: TrackingNumber
    shipped_at: Instant = Field(description="when the parcel left")


class OutcomeRecord(Frozen):
    outcome: ParcelOutcome = Field(description="INTERCEPTED, RETURNED, or LOST (the goods and the money both gone)")


class ParcelView(Frozen):
    order_id: str
    refund_id: str
    amount_fen: int = Field(description="the refund's amount: what a LOST parcel costs on top of the goods")
    carrier: str
    tracking_number: str
    shipped_at: AwareDatetime
    recorded_at: AwareDatetime
    outcome: ParcelOutcome | None = Field(description="null while still open")
    outcome_at: AwareDatetime | None

    @classmethod
    def of(cls, refund: Refund) -> "ParcelView":
        parcel = refund.parcel_after_refund
        assert parcel is not None
        return cls(
            order_id=refund.order_id,
            refund_id=refund.refund_id,
            amount_fen=refund.amount_fen,
            carrier=parcel.carrier,
            tracking_number=parcel.tracking_number,
            shipped_at=to_api(parcel.shipped_at),
            recorded_at=to_api(parcel.recorded_at),
            outcome=parcel.outcome,
            outcome_at=to_api(parcel.outcome_at) if parcel.outcome_at else None,
        )


def _refund_of(order_id: str, caller: Caller, store: Store) -> Refund:
    """The order's approved refund, for its merchant or ops; 404 for anyone else, 409 when not refunded."""
    order = store.orders.get(order_id)
    if order is None or not caller.sees(order):
        raise OrderNotFound(order_id)
    caller.require_order_merchant(order)
    refund = store.refunds.get(order_id, order.refund_id) if order.refund_id else None
    if order.status is not OrderStatus.REFUNDED or refund is None or not refund.status.approved:
        raise OrderNotRefunded(order_id, order.status.value)
    return refund


def record_parcel(
    order_id: str, record: ParcelRecord, caller: Caller, store: Store, now: datetime
) -> tuple[ParcelView, bool]:
    """The parcel, and whether this call recorded it (False: one was recorded before, returned unchanged)."""

    def step() -> tuple[ParcelView, bool]:
        refund = _refund_of(order_id, caller, store)
        if refund.parcel_after_refund is not None:
            return ParcelView.of(refund), False
        parcel = ParcelAfterRefund(**record.model_dump(), recorded_at=now)
        recorded = refund.model_copy(update={"parcel_after_refund": parcel})
        store.refunds.save_parcel(recorded, seen=None)
        return ParcelView.of(recorded), True

    return settle(step, "parcel after refund")


def record_outcome(order_id: str, record: OutcomeRecord, caller: Caller, store: Store, now: datetime) -> ParcelView:
    """What became of the parcel: once; the same outcome again changes nothing, another is refused."""

    def step() -> ParcelView:
        refund = _refund_of(order_id, caller, store)
        parcel = refund.parcel_after_refund
        if parcel is None:
            raise ParcelNotFound(order_id)
        if parcel.outcome is not None:
            if parcel.outcome is record.outcome:
                return ParcelView.of(refund)
            raise ParcelOutcomeRecorded(order_id, parcel.outcome.value)
        settled = parcel.model_copy(update={"outcome": record.outcome, "outcome_at": now})
        changed = refund.model_copy(update={"parcel_after_refund": settled})
        store.refunds.save_parcel(changed, seen=parcel)
        return ParcelView.of(changed)

    return settle(step, "parcel outcome")


def get_parcel(order_id: str, caller: Caller, store: Store) -> ParcelView:
    refund = _refund_of(order_id, caller, store)
    if refund.parcel_after_refund is None:
        raise ParcelNotFound(order_id)
    return ParcelView.of(refund)
