"""A merchant's notice subscriptions: an SQS queue, an HTTPS URL or an email address that receives
that merchant's notices, and only them (an SNS filter policy on the merchant_id attribute)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from fastrefund.domain.clock import to_api
from fastrefund.domain.errors import SubscriptionNotFound
from fastrefund.domain.identity import MERCHANT_ONLY, Caller
from fastrefund.domain.models.common import Frozen
from fastrefund.domain.models.subscription import Subscription, SubscriptionProtocol
from fastrefund.logic.ports import Store

# A region is shaped like AWS's own: area, optional "gov", a compass direction, a number (us-east-1,
# us-gov-west-1, ap-southeast-5, eu-central-2); "aa-a-0" is not one, and SNS would not deliver there.
REGION = r"(us|eu|ap|sa|ca|me|af|il|mx|cn)(-gov)?-(north|south|east|west|central)(east|west)?-\d{1,2}"
SQS_ARN = rf"^arn:aws(-cn|-us-gov)?:sqs:{REGION}:\d{{12}}:[A-Za-z0-9_-]{{1,80}}(\.fifo)?$"
HTTPS_URL = r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s]*)?$"
EMAIL = r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"


class SqsEndpoint(Frozen):
    protocol: Literal[SubscriptionProtocol.SQS]
    endpoint: Annotated[str, Field(pattern=SQS_ARN, max_length=256, description="the queue's ARN")]


class HttpsEndpoint(Frozen):
    protocol: Literal[SubscriptionProtocol.HTTPS]
    endpoint: Annotated[str, Field(pattern=HTTPS_URL, max_length=2048, description="an https:// URL")]


class EmailEndpoint(Frozen):
    protocol: Literal[SubscriptionProtocol.EMAIL]
    endpoint: Annotated[str, Field(pattern=EMAIL, max_length=254, description="an email address")]


SubscriptionRequest = Annotated[SqsEndpoint | HttpsEndpoint | EmailEndpoint, Field(discriminator="protocol")]


class SubscriptionView(Frozen):
    subscription_id: str
    protocol: SubscriptionProtocol
    endpoint: str
    filter_policy: dict[str, list[str]]
    created_at: AwareDatetime

    @classmethod
    def of(cls, subscription: Subscription) -> "SubscriptionView":
        return cls(
            subscription_id=subscription.subscription_id,
            protocol=subscription.protocol,
            endpoint=subscription.endpoint,
            filter_policy={"merchant_id": [subscription.merchant_id]},
            created_at=to_api(subscription.created_at),
        )


class SubscriptionList(Frozen):
    subscriptions: list[SubscriptionView]


def subscribe(
    merchant_id: str, request: SqsEndpoint | HttpsEndpoint | EmailEndpoint, caller: Caller, store: Store, now: datetime
) -> SubscriptionView:
    caller.require_merchant(merchant_id, MERCHANT_ONLY)
    return SubscriptionView.of(store.subscriptions.subscribe(merchant_id, request.protocol, request.endpoint, now))


def list_subscriptions(merchant_id: str, caller: Caller, store: Store) -> SubscriptionList:
    caller.require_merchant(merchant_id, MERCHANT_ONLY)
    return SubscriptionList(subscriptions=[SubscriptionView.of(s) for s in store.subscriptions.list(merchant_id)])


def unsubscribe(merchant_id: str, subscription_id: str, caller: Caller, store: Store) -> None:
    caller.require_merchant(merchant_id, MERCHANT_ONLY)
    if not store.subscriptions.remove(merchant_id, subscription_id):
        raise SubscriptionNotFound(subscription_id)
