"""Domain exceptions. The logic raises these; `fastrefund.edge.http_api` maps each to one HTTP status."""

from collections.abc import Iterable, Mapping
from typing import Any

from fastrefund.domain.models.merchant import PolicyUsage


def field_issues(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """pydantic's validation errors as the `details` callers and operators read: which field, and why."""
    return [{"field": ".".join(str(part) for part in error["loc"]), "issue": error["msg"]} for error in errors]


class ServiceError(Exception):
    """Base of every error the service explains to its caller."""

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Unauthenticated(ServiceError):
    """No identity, or one that cannot be trusted."""


class Forbidden(ServiceError):
    """A known caller acting on an order or merchant that is not theirs."""


class OrderNotFound(ServiceError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} was not found", order_id=order_id)


class OrderClosed(ServiceError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} is closed", order_id=order_id)


class OrderRefunded(ServiceError):
    """The order was auto-refunded first: the shipment must not leave."""

    def __init__(self, order_id: str, refund_id: str | None) -> None:
        super().__init__(f"order {order_id} was refunded: stop the shipment", order_id=order_id)
        self.refund_id = refund_id


class OrderAlreadyShipped(ServiceError):
    """A different shipment was already recorded for the order."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} already has a different shipment", order_id=order_id)


class RefundNotFound(ServiceError):
    def __init__(self, order_id: str, refund_id: str) -> None:
        super().__init__(f"order {order_id} has no refund request {refund_id}", order_id=order_id, refund_id=refund_id)


class RefundNotInReview(ServiceError):
    """The request is not in a state that allows the action (details name its status)."""

    def __init__(self, refund_id: str, status: str) -> None:
        super().__init__(f"refund request {refund_id} is {status}", refund_id=refund_id, status=status)


class TooManyRequests(ServiceError):
    def __init__(self, order_id: str, limit: int) -> None:
        super().__init__(f"order {order_id} already had {limit} refund requests", order_id=order_id, limit=limit)


class OrderNotShipped(ServiceError):
    """ALREADY_SHIPPED given as the reason for an order not recorded as shipped."""

    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"order {order_id} is not recorded as shipped", order_id=order_id, status=status)


class PayoutNotFailed(ServiceError):
    def __init__(self, refund_id: str, status: str | None) -> None:
        super().__init__(
            f"refund {refund_id}'s payout is {status or 'not started'}", refund_id=refund_id, status=status
        )


class TemporarilyUnavailable(ServiceError):
    """A dependency throttled or failed; nothing was changed and the same call may be retried."""

    retry_after_seconds = 1


class RulesUnavailable(TemporarilyUnavailable):
    """No valid rules document yet in this container: nothing can be decided until operators push one."""

    retry_after_seconds = 30


class ContradictoryEvent(Exception):
    """An event that contradicts what an earlier one recorded (an order paid twice, with other facts)."""

    def __init__(self, order_id: str, fields: list[str]) -> None:
        super().__init__(f"order {order_id} was already paid with other {', '.join(fields)}")
        self.fields = fields


class RaceLost(Exception):
    """Why a write could not be committed as decided: something changed between the read and the write.

    Not a ServiceError: the logic answers these from a fresh read, and none of them reaches a caller.
    """


class RefundExists(RaceLost):
    """The order already has a refund request: the first one stands."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} already has a refund request")


class OrderChanged(RaceLost):
    """The order left the not-shipped state between the read and the write."""

    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"order {order_id} became {status}")
        self.status = status


class DailyLimitReached(Exception):
    """The day's usage, as stored, leaves no room for the refund under the merchant policy's daily limit.

    A refusal, not a race: deciding again would meet the same limit. The logic turns it into the
    DAILY_LIMIT_REACHED reason (the request goes to review); it never reaches a caller.
    """

    def __init__(self, merchant_id: str, usage: PolicyUsage) -> None:
        super().__init__(f"merchant {merchant_id} reached its daily auto-refund limit")
        self.usage = usage


class PolicyChanged(RaceLost):
    """The merchant changed its auto-refund policy between the read and the write: a race, answered by
    deciding again from the settings read afresh."""

    def __init__(self, merchant_id: str) -> None:
        super().__init__(f"merchant {merchant_id} changed its auto-refund policy")


class RequestChanged(RaceLost):
    """The refund request (or its order) changed between the read and the write: decide again."""


class WriteConflict(RaceLost):
    """Another transaction was changing the same items; reading again and retrying resolves it."""


class BuyerFlagChanged(RaceLost):
    """The risk system flagged or cleared the buyer between the read and the write: decide again on its word."""

    def __init__(self, buyer_id: str) -> None:
        super().__init__(f"buyer {buyer_id}'s risk flag changed")


class BuyerUsageChanged(RaceLost):
    """Another of the buyer's refunds was counted between the read and the write: decide again on the new count."""

    def __init__(self, buyer_id: str) -> None:
        super().__init__(f"buyer {buyer_id}'s automatic refunds changed")


class EndpointInUse(ServiceError):
    """The notice endpoint is subscribed by another merchant: an endpoint belongs to one merchant at most."""

    def __init__(self, endpoint: str) -> None:
        super().__init__("this endpoint receives another merchant's notices", field="body.endpoint", endpoint=endpoint)


class InvalidEndpoint(ServiceError):
    """SNS refused the endpoint itself (an ARN of a region that does not exist, say)."""

    def __init__(self, reason: str) -> None:
        super().__init__("the notices topic cannot deliver to this endpoint", field="body.endpoint", issue=reason)


class SubscriptionNotFound(ServiceError):
    def __init__(self, subscription_id: str) -> None:
        super().__init__(f"subscription {subscription_id} was not found", subscription_id=subscription_id)


class OrderNotRefunded(ServiceError):
    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"order {order_id} is not refunded", order_id=order_id, status=status)


class ParcelNotFound(ServiceError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"no parcel after refund is recorded for order {order_id}", order_id=order_id)


class ParcelOutcomeRecorded(ServiceError):
    """What became of the parcel was recorded already, differently."""

    def __init__(self, order_id: str, outcome: str) -> None:
        super().__init__(
            f"order {order_id}'s parcel is already recorded as {outcome}", order_id=order_id, outcome=outcome
        )


class MerchantNotFound(ServiceError):
    """A merchant this service has no record of, or another merchant's data, which reads the same."""

    def __init__(self, merchant_id: str) -> None:
        super().__init__(f"merchant {merchant_id} was not found", merchant_id=merchant_id)


class ExportNotFound(ServiceError):
    def __init__(self, export_id: str) -> None:
        super().__init__(f"statement export {export_id} was not found", export_id=export_id)


class TrialNotFound(ServiceError):
    def __init__(self, trial_id: str) -> None:
        super().__init__(f"policy trial {trial_id} was not found", trial_id=trial_id)


class InvalidInput(ServiceError):
    """Input that passed each field's own checks but not a check across them (a range upside down)."""

    def __init__(self, issue: str, field: str) -> None:
        super().__init__(issue, field=field, issue=issue)


class InvalidBody(ServiceError):
    """A body checked by the logic rather than before it (the field issues, as pydantic gives them)."""

    def __init__(self, issues: Iterable[Mapping[str, Any]]) -> None:
        super().__init__("the request is invalid")
        self.issues = field_issues(issues)


class InvalidCursor(ServiceError):
    """A cursor that this service did not issue for this merchant and these filters."""

    def __init__(self, issue: str) -> None:
        super().__init__(issue, field="query.cursor", issue=issue)
