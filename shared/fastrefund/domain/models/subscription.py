"""A merchant's subscription to its notices."""

from enum import StrEnum

from fastrefund.domain.clock import Instant
from fastrefund.domain.models.common import Frozen


class SubscriptionProtocol(StrEnum):
    SQS = "sqs"
    HTTPS = "https"
    EMAIL = "email"


class Subscription(Frozen):
    subscription_id: str
    merchant_id: str
    protocol: SubscriptionProtocol
    endpoint: str
    created_at: Instant
