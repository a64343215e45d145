"""Merchants' subscriptions to the notices topic: the SNS subscription (with a filter policy on the
merchant) and a record of it beside the merchant's settings, so that listing needs no scan of SNS."""

import json
from datetime import datetime

from botocore.exceptions import ClientError

from fastrefund.domain.errors import TemporarilyUnavailable
from fastrefund.domain.models import Subscription, SubscriptionProtocol
from fastrefund.repositories import dynamo, keys
from fastrefund.runtime import aws_clients


class SubscriptionsRepository:
    def __init__(self, merchants_table: str, topic_arn: str) -> None:
        self.table_name = merchants_table
        self.topic_arn = topic_arn

    def subscribe(self, merchant_id: str, protocol: SubscriptionProtocol, endpoint: str, at: datetime) -> Subscription:
        """Subscribe the endpoint to this merchant's notices only. The same endpoint again is the same subscription."""
        attributes = {
            "FilterPolicy": json.dumps({"merchant_id": [merchant_id]}),
            "FilterPolicyScope": "MessageAttributes",
        }
        if protocol is not SubscriptionProtocol.EMAIL:
            attributes["RawMessageDelivery"] = "true"  # the body is the notice itself
        try:
            arn = aws_clients.client("sns").subscribe(
                TopicArn=self.topic_arn,
                Protocol=protocol.value,
                Endpoint=endpoint,
                Attributes=attributes,
                ReturnSubscriptionArn=True,
            )["SubscriptionArn"]
        except ClientError as exc:
            raise TemporarilyUnavailable("the notices topic did not answer; retry shortly") from exc
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
        """Unsubscribe one of this merchant's subscriptions; False if it has none of that id."""
        key = keys.merchant(merchant_id, keys.SUBSCRIPTION + subscription_id)
        with dynamo.translate_transient_errors():
            item = dynamo.client().get_item(TableName=self.table_name, Key=key, ConsistentRead=True).get("Item")
        if item is None:
            return False
        arn = dynamo.decode(item)["subscription_arn"]
        try:
            aws_clients.client("sns").unsubscribe(SubscriptionArn=arn)
        except ClientError as exc:
            if dynamo.error_code(exc) != "NotFound":
                raise TemporarilyUnavailable("the notices topic did not answer; retry shortly") from exc
        with dynamo.translate_transient_errors():
            dynamo.client().delete_item(TableName=self.table_name, Key=key)
        return True
