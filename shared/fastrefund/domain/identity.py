"""Who is calling, as the authorizer vouched for it, and what each caller may act on (docs/contract.md)."""

from enum import StrEnum
from typing import Any, Self

from pydantic import ValidationError, model_validator

from fastrefund.domain.errors import Forbidden, OrderNotFound, Unauthenticated
from fastrefund.domain.models.common import Frozen, Identifier, Reason
from fastrefund.domain.models.order import Order


class Role(StrEnum):
    BUYER = "buyer"
    MERCHANT = "merchant"
    ERP = "erp"
    OPS = "ops"


MERCHANT_SIDE = frozenset({Role.MERCHANT, Role.ERP})
MERCHANT_ONLY = frozenset({Role.MERCHANT})  # settings, the workbench and subscriptions are not an ERP's


class Caller(Frozen):
    sub: Identifier
    role: Role
    merchant_id: Identifier | None = None

    @model_validator(mode="after")
    def _merchant_side_names_its_merchant(self) -> Self:
        if self.role in MERCHANT_SIDE and not self.merchant_id:
            raise ValueError("a merchant or erp identity must carry merchant_id")
        return self

    @classmethod
    def from_authorizer_context(cls, context: dict[str, Any]) -> Self:
        """The only place identity is read from: requestContext.authorizer, set by our authorizer."""
        try:
            return cls.model_validate(
                {
                    "sub": context.get("sub"),
                    "role": context.get("role"),
                    "merchant_id": context.get("merchant_id") or None,
                }
            )
        except ValidationError as exc:
            raise Unauthenticated("the request carries no valid identity") from exc

    def require_merchant(self, merchant_id: str, roles: frozenset[Role] = MERCHANT_SIDE) -> None:
        """Allow ops, or a caller of one of `roles` acting for its own merchant."""
        if self.role is Role.OPS:
            return
        if self.role not in roles:
            raise Forbidden(f"role {self.role} may not do this", role=self.role.value)
        if self.merchant_id != merchant_id:
            raise Forbidden("this merchant is not yours", merchant_id=merchant_id)

    def acting_merchant(self) -> str | None:
        """The merchant whose orders this caller acts on: its own, or None (any merchant) for ops."""
        if self.role is Role.OPS:
            return None
        if self.role not in MERCHANT_SIDE:
            raise Forbidden(f"role {self.role} may not do this", role=self.role.value)
        return self.merchant_id

    def sees(self, order: Order) -> bool:
        """Whether the order exists for this caller: its buyer, its merchant's people, and ops see it."""
        if self.role is Role.OPS:
            return True
        if self.role is Role.BUYER:
            return self.sub == order.buyer_id
        return self.merchant_id == order.merchant_id

    def require_order_reader(self, order: Order) -> None:
        """Allow whoever sees the order. To anyone else it does not exist: the same 404 as an unknown id,
        so that other tenants' order ids cannot be probed."""
        if not self.sees(order):
            raise OrderNotFound(order.order_id)

    def require_order_merchant(self, order: Order) -> None:
        """Allow the order's merchant or erp, and ops (404 to whoever does not see the order)."""
        self.require_order_reader(order)
        if self.role is Role.BUYER:
            raise Forbidden("only the order's merchant or ops may do this", order_id=order.order_id)

    def require_ops(self) -> None:
        if self.role is not Role.OPS:
            raise Forbidden("only ops may do this", role=self.role.value)

    def require_buyer(self, order: Order) -> None:
        self.require_order_reader(order)
        if self.role is not Role.BUYER:
            raise Forbidden("only the buyer of the order may do this", order_id=order.order_id)


def reasons_seen_by(caller: Caller, reasons: list[Reason]) -> list[Reason]:
    """The reasons as the caller may read them: a buyer is never told that the platform's risk system flagged
    them (BUYER_FLAGGED reads BUYER_NOT_ELIGIBLE); merchants and ops see the real reason."""
    if caller.role is not Role.BUYER:
        return reasons
    return [Reason.BUYER_NOT_ELIGIBLE if reason is Reason.BUYER_FLAGGED else reason for reason in reasons]
