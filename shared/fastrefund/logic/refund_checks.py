"""The pre-shipment check: which of these orders were refunded? (before packing, before pick-up)"""

from typing import Annotated

from pydantic import Field

from fastrefund.domain.identity import Caller
from fastrefund.domain.models.common import Frozen, Identifier
from fastrefund.domain.models.order import OrderStatus
from fastrefund.logic.ports import Store

MAX_ORDERS = 100  # also what one DynamoDB BatchGetItem reads


class RefundCheckRequest(Frozen):
    order_ids: Annotated[list[Identifier], Field(min_length=1, max_length=MAX_ORDERS)]


class RefundCheck(Frozen):
    order_id: str
    found: bool = Field(description="false for unknown orders and for other merchants' orders alike")
    refunded: bool
    refund_id: str | None
    order_status: OrderStatus | None


class RefundChecks(Frozen):
    results: list[RefundCheck]


def check_refunds(merchant_id: str, request: RefundCheckRequest, caller: Caller, store: Store) -> RefundChecks:
    caller.require_merchant(merchant_id)
    states = store.orders.states(request.order_ids)
    results = []
    for order_id in request.order_ids:
        state = states.get(order_id)
        if state is None or state.merchant_id != merchant_id:
            # Another merchant's order looks exactly like an unknown one: nothing leaks.
            results.append(
                RefundCheck(order_id=order_id, found=False, refunded=False, refund_id=None, order_status=None)
            )
            continue
        refunded = state.status is OrderStatus.REFUNDED
        results.append(
            RefundCheck(
                order_id=order_id,
                found=True,
                refunded=refunded,
                refund_id=state.refund_id if refunded else None,
                order_status=state.status,
            )
        )
    return RefundChecks(results=results)
