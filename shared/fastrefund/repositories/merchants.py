"""Merchant settings, and the history of joining and leaving the fast refund service.

One item per merchant holds the current settings (sort key SETTINGS); one item per change of
enrolment (sort key ENROLMENT#<UTC instant>) keeps the history, so that an order paid earlier is
judged by the enrolment in force when it was paid, however late its event arrives.
"""

from datetime import date, datetime

from fastrefund.domain.clock import to_storage
from fastrefund.domain.models import AutoRefundPolicy, MerchantSettings, PolicyUsage
from fastrefund.repositories import dynamo, keys


def from_item(item: dynamo.Item) -> MerchantSettings:
    return dynamo.model_of(MerchantSettings, item)


def usage_from_item(day: date, item: dynamo.Item | None) -> PolicyUsage:
    if not item:
        return PolicyUsage(day=day)
    return PolicyUsage(day=day, amount_fen=item.get("amount_fen", 0), count=item.get("refund_count", 0))


class MerchantsRepository:
    """Settings and enrolment history (merchants table) and the daily policy usage (usage table)."""

    def __init__(self, table_name: str, usage_table_name: str) -> None:
        self.table_name = table_name
        self.usage_table_name = usage_table_name

    def get_with_usage(self, merchant_id: str, day: date) -> tuple[MerchantSettings, PolicyUsage]:
        """The settings and that day's policy usage, in one round trip.

        A merchant that never changed a setting has the defaults: not enrolled, no policy.
        """
        found = dynamo.batch_get(
            {
                self.table_name: {"Keys": [keys.merchant(merchant_id)], "ConsistentRead": True},
                self.usage_table_name: {"Keys": [keys.usage(merchant_id, day)], "ConsistentRead": True},
            }
        )
        settings = [from_item(item) for item in found.get(self.table_name, [])]
        usage = found.get(self.usage_table_name, [])
        return (
            settings[0] if settings else MerchantSettings(merchant_id=merchant_id),
            usage_from_item(day, usage[0] if usage else None),
        )

    def set_fast_refund_service(self, merchant_id: str, enabled: bool, at: datetime) -> None:
        """Change the enrolment and append it to the history, both or neither."""
        stamp = to_storage(at)
        with dynamo.translate_transient_errors():
            dynamo.client().transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": keys.merchant(merchant_id),
                            "UpdateExpression": "SET fast_refund_enabled = :enabled, fast_refund_updated_at = :at",
                            "ExpressionAttributeValues": dynamo.values(enabled=enabled, at=stamp),
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": dynamo.encode(
                                {"merchant_id": merchant_id, "record": keys.ENROLMENT + stamp, "enabled": enabled}
                            ),
                        }
                    },
                ]
            )

    def set_auto_refund_policy(self, merchant_id: str, policy: AutoRefundPolicy, at: datetime) -> None:
        with dynamo.translate_transient_errors():
            dynamo.client().update_item(
                TableName=self.table_name,
                Key=keys.merchant(merchant_id),
                UpdateExpression="SET auto_refund_policy = :policy, policy_updated_at = :at",
                ExpressionAttributeValues=dynamo.values(policy=policy.model_dump(mode="json"), at=to_storage(at)),
            )

    def was_enrolled_at(self, merchant_id: str, instant: datetime) -> bool:
        """Whether the merchant was in the fast refund service at that instant (the last change before it)."""
        with dynamo.translate_transient_errors():
            response = dynamo.client().query(
                TableName=self.table_name,
                KeyConditionExpression="merchant_id = :merchant_id AND #record BETWEEN :first AND :last",
                ExpressionAttributeNames={"#record": "record"},  # a reserved word in expressions
                ExpressionAttributeValues=dynamo.values(
                    merchant_id=merchant_id, first=keys.ENROLMENT, last=keys.ENROLMENT + to_storage(instant)
                ),
                ScanIndexForward=False,
                Limit=1,
                ConsistentRead=True,
            )
        latest = response.get("Items", [])
        return bool(latest) and dynamo.decode(latest[0])["enabled"]
