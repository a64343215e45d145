"""Merchants' subscriptions to the notices topic: the SNS subscription (with a filter policy on the
merchant), a record of it beside the merchant's settings (listing needs no scan of SNS), and a claim on
its endpoint, so that an endpoint receives one merchant's notices at most."""

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from fastrefund.domain.errors import EndpointInUse, InvalidEndpoint, TemporarilyUnavailable
from fastrefund.domain.models.subscription import Subscription, SubscriptionProtocol
from fastrefund.platform import aws_clients
from fastrefund.repositories import dynamo, keys

# SNS's answers by error code: the endpoint itself refused (the caller's to fix), or SNS busy (retry).
# Anything else (authorization, limits, a missing topic) is the service's fault: a 500, logged.
_SNS_ENDPOINT_REFUSED = {"InvalidParameter", "InvalidParameterValue"}
_SNS_TRANSIENT = {"Throttled", "Throttling", "ThrottlingException", "InternalError", "InternalFailure", "KMSThrottling"}


@contextlib.contextmanager
def _translate_sns_errors() -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = aws_clients.error_code(exc)
        if code in _SNS_ENDPOINT_REFUSED:
            raise InvalidEndpoint(exc.response.get("Error", {}).get("Message", code)) from exc
        if code in _SNS_TRANSIENT:
            raise TemporarilyUnavailable("the notices topic did not answer; retry shortly") from exc
        raise


class SubscriptionsRepository:
    def __init__(self, merchants_table: str, topic_arn: str) -> None:
        self.table_name = merchants_table
        self.topic_arn = topic_arn

    def subscribe(self, merchant_id: str, protocol: SubscriptionProtocol, endpoint: str, at: datetime) -> Subscription:
        """Subscribe the endpoint to this merchant's notices only. The same endpoint again is the same
        subscription; an endpoint another merchant holds is refused (EndpointInUse) before SNS is asked."""
        claimed_now = self._claim(merchant_id, protocol, endpoint)
        try:
            with _translate_sns_errors():
                arn = self._subscribe_on_topic(merchant_id, protocol, endpoint)
        except Exception:
            if claimed_now:  # SNS refused or failed: the endpoint stays free, as it was
                with dynamo.translate_transient_errors():
                    dynamo.client().delete_item(**self._release(merchant_id, protocol, endpoint))
            raise
        subscription = Subscription(
            subscription_id=arn.rsplit(":", 1)[-1],
            merchant_id=merchant_id,
            protocol=protocol,
            endpoint=endpoint,
            created_at=at,
        )
        item = dynamo.item_of(subscription) | {
            "record": keys.SUBSCRIPTION + subscription.subscription_id,
            "subscription_arn": arn,
        }
        with dynamo.translate_transient_errors():
            dynamo.client().put_item(TableName=self.table_name, Item=dynamo.encode(item))
        return subscription

    def _subscribe_on_topic(self, merchant_id: str, protocol: SubscriptionProtocol, endpoint: str) -> str:
        if protocol is SubscriptionProtocol.SQS:
            # arn:aws:sqs:<region>:<account>:<name>. A well-shaped region that AWS does not run (us-north-0)
            # is refused here, as SNS would refuse it (moto fails on it instead).
            region = endpoint.split(":")[3]
            if region not in aws_clients.regions_of("sqs"):
                raise InvalidEndpoint(f"{region} is not a region where SQS runs")
        attributes = {
            "FilterPolicy": json.dumps({"merchant_id": [merchant_id]}),
            "FilterPolicyScope": "MessageAttributes",
        }
        if protocol is not SubscriptionProtocol.EMAIL:
            attributes["RawMessageDelivery"] = "true"  # the body is the notice itself
        response = aws_clients.client("sns").subscribe(
            TopicArn=self.topic_arn,
            Protocol=protocol.value,
            Endpoint=endpoint,
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )
        return str(response["SubscriptionArn"])

    def _claim(self, merchant_id: str, protocol: SubscriptionProtocol, endpoint: str) -> bool:
        """Record the merchant as the endpoint's holder, unless another merchant holds it (EndpointInUse).
        True when this call made the claim (it was nobody's)."""
        try:
            with dynamo.translate_transient_errors():
                response = dynamo.client().put_item(
                    TableName=self.table_name,
                    Item=keys.endpoint(protocol, endpoint) | dynamo.encode({"holder": merchant_id}),
                    ConditionExpression="attribute_not_exists(holder) OR holder = :merchant_id",
                    ExpressionAttributeValues=dynamo.values(merchant_id=merchant_id),
                    ReturnValues="ALL_OLD",
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                raise EndpointInUse(endpoint) from exc
            raise
        return "Attributes" not in response

    def _release(self, merchant_id: str, protocol: SubscriptionProtocol, endpoint: str) -> dict[str, Any]:
        """The delete of the merchant's claim on the endpoint (never another merchant's)."""
        return {
            "TableName": self.table_name,
            "Key": keys.endpoint(protocol, endpoint),
            "ConditionExpression": "attribute_not_exists(holder) OR holder = :merchant_id",
            "ExpressionAttributeValues": dynamo.values(merchant_id=merchant_id),
        }

    def list(self, merchant_id: str) -> list[Subscription]:
        with dynamo.translate_transient_errors():
            pages = (
                dynamo.client()
                .get_paginator("query")
                .paginate(
                    TableName=self.table_name,
                    KeyConditionExpression="merchant_id = :merchant_id AND begins_with(#record, :prefix)",
                    ExpressionAttributeNames={"#record": "record"},
                    ExpressionAttributeValues=dynamo.values(merchant_id=merchant_id, prefix=keys.SUBSCRIPTION),
                    ConsistentRead=True,
                )
            )
            return [dynamo.model_of(Subscription, dynamo.decode(item)) for page in pages for item in page["Items"]]

    def remove(self, merchant_id: str, subscription_id: str) -> bool:
        """Unsubscribe one of this merchant's subscriptions and free its endpoint; False if it has none of that id."""
        key = keys.merchant(merchant_id, keys.SUBSCRIPTION + subscription_id)
        with dynamo.translate_transient_errors():
            item = dynamo.client().get_item(TableName=self.table_name, Key=key, ConsistentRead=True).get("Item")
        if item is None:
            return False
        record = dynamo.decode(item)
        try:
            with _translate_sns_errors():
                aws_clients.client("sns").unsubscribe(SubscriptionArn=record["subscription_arn"])
        except ClientError as exc:
            if aws_clients.error_code(exc) != "NotFound":
                raise
        subscription = dynamo.model_of(Subscription, record)
        release = self._release(merchant_id, subscription.protocol, subscription.endpoint)
        with dynamo.translate_transient_errors():
            dynamo.client().transact_write_items(
                TransactItems=[{"Delete": {"TableName": self.table_name, "Key": key}}, {"Delete": release}]
            )
        return True
