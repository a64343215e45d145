"""Merchant settings, and the history of joining and leaving the fast refund service.

One item per merchant holds the current settings (sort key SETTINGS); one item per change of
enrolment (sort key ENROLMENT#<UTC instant>) keeps the history, so that an order paid earlier is
judged by the enrolment in force when it was paid, however late its event arrives.

A refund may decide on settings read a few seconds ago (`recent_settings`): the reservation on
the day's usage checks the policy version the counter carries, which every policy change writes to today's
and tomorrow's counters in the same transaction, so a stale copy can never approve under an old policy.
"""

import time
from datetime import date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from fastrefund.domain.clock import china_day, to_storage
from fastrefund.domain.models.merchant import AutoRefundPolicy, MerchantSettings, PolicyUsage
from fastrefund.repositories import dynamo, keys
from fastrefund.repositories.usage_counters import by_number, policy_version_updates, rest_of_day, usage_of

SETTINGS_MAX_AGE_SECONDS = 5.0  # how old a container's copy of a merchant's settings may be
SETTINGS_CACHED_MAX = 10_000  # merchants whose settings one container keeps at most


def from_item(item: dynamo.Item) -> MerchantSettings:
    return dynamo.model_of(MerchantSettings, item)


class MerchantsRepository:
    """Settings and enrolment history (merchants table) and the daily policy usage (usage table)."""

    def __init__(self, table_name: str, usage_table_name: str) -> None:
        self.table_name = table_name
        self.usage_table_name = usage_table_name
        self._cached: dict[str, tuple[float, MerchantSettings]] = {}

    def recent_settings(self, merchant_id: str) -> MerchantSettings:
        """The merchant's settings, possibly as this container read them up to SETTINGS_MAX_AGE_SECONDS ago."""
        if merchant_id in self._cached:
            read_at, settings = self._cached[merchant_id]
            if time.monotonic() - read_at < SETTINGS_MAX_AGE_SECONDS:
                return settings
        with dynamo.translate_transient_errors():
            response = dynamo.client().get_item(
                TableName=self.table_name, Key=keys.merchant(merchant_id), ConsistentRead=True
            )
        item = response.get("Item")
        settings = from_item(dynamo.decode(item)) if item else MerchantSettings(merchant_id=merchant_id)
        if len(self._cached) >= SETTINGS_CACHED_MAX:
            self._cached.clear()
        self._cached[merchant_id] = (time.monotonic(), settings)
        return settings

    def get_with_usage(self, merchant_id: str, day: date) -> tuple[MerchantSettings, PolicyUsage]:
        """The settings and that day's policy usage, in one round trip when the day's counters are as many
        as this container last saw the policy use (one, for most merchants); two otherwise.

        A merchant that never changed a setting has the defaults: not enrolled, no policy.
        """
        first = self._counters_last_seen(merchant_id)
        found = dynamo.batch_get(
            {
                self.table_name: {"Keys": [keys.merchant(merchant_id)], "ConsistentRead": True},
                self.usage_table_name: {
                    "Keys": [keys.usage(merchant_id, day, counter) for counter in range(first)],
                    "ConsistentRead": True,
                },
            }
        )
        stored = [from_item(item) for item in found.get(self.table_name, [])]
        settings = stored[0] if stored else MerchantSettings(merchant_id=merchant_id)
        read = by_number(found.get(self.usage_table_name, []))
        counters = rest_of_day(self.usage_table_name, merchant_id, day, read, first, settings.usage_counters)
        return settings, usage_of(day, counters.values())

    def _counters_last_seen(self, merchant_id: str) -> int:
        _, settings = self._cached.get(merchant_id, (0.0, None))
        return settings.usage_counters if settings else 1

    def set_fast_refund_service(self, merchant_id: str, enabled: bool, at: datetime) -> bool:
        """Change the enrolment and append the change to the history, both or neither; False (nothing written)
        when the enrolment already is `enabled`: a repeated call adds no record."""
        self._cached.pop(merchant_id, None)
        stamp = to_storage(at)
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().transact_write_items(TransactItems=self._enrolment_change(merchant_id, enabled, stamp))
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

    def _enrolment_change(self, merchant_id: str, enabled: bool, stamp: str) -> list[dict[str, Any]]:
        settings = {
            "TableName": self.table_name,
            "Key": keys.merchant(merchant_id),
            "UpdateExpression": "SET fast_refund_enabled = :enabled, fast_refund_updated_at = :at",
            "ConditionExpression": "attribute_not_exists(fast_refund_enabled) OR fast_refund_enabled <> :enabled",
            "ExpressionAttributeValues": dynamo.values(enabled=enabled, at=stamp),
        }
        change = {"merchant_id": merchant_id, "record": keys.ENROLMENT + stamp, "enabled": enabled}
        return [{"Update": settings}, {"Put": {"TableName": self.table_name, "Item": dynamo.encode(change)}}]

    def set_auto_refund_policy(self, merchant_id: str, policy: AutoRefundPolicy, at: datetime) -> str:
        """Store the policy and its version (`at`), and make today's and tomorrow's usage counters work under
        it, all or nothing: their rooms are withdrawn until dealt under it, so a decision on a copy of the
        settings read before is refused at its reservation. Tomorrow's too, so that a copy read before midnight
        cannot deal tomorrow's rooms under the old one."""
        self._cached.pop(merchant_id, None)
        version, today = to_storage(at), china_day(at)
        settings = {
            "Update": {
                "TableName": self.table_name,
                "Key": keys.merchant(merchant_id),
                "UpdateExpression": "SET auto_refund_policy = :policy, policy_updated_at = :at",
                "ExpressionAttributeValues": dynamo.values(policy=policy.model_dump(mode="json"), at=version),
            }
        }
        counters = [
            part
            for day in (today, today + timedelta(days=1))
            for part in policy_version_updates(self.usage_table_name, merchant_id, day, version)
        ]
        with dynamo.translate_transient_errors():
            dynamo.client().transact_write_items(TransactItems=[settings, *counters])
        return version

    def enrolled_at(self, merchant_id: str, instant: datetime) -> bool:
        """The merchant's last change of enrolment at or before `instant` (the records sort by their instant):
        one record read, however long the history."""
        with dynamo.translate_transient_errors():
            response = dynamo.client().query(
                TableName=self.table_name,
                KeyConditionExpression="merchant_id = :merchant_id AND #record BETWEEN :first AND :last",
                ExpressionAttributeNames={"#record": "record"},  # a reserved word in expressions
                ExpressionAttributeValues=dynamo.values(
                    merchant_id=merchant_id, first=keys.ENROLMENT, last=keys.ENROLMENT + to_storage(instant)
                ),
                ProjectionExpression="enabled",
                ScanIndexForward=False,
                Limit=1,
                ConsistentRead=True,
            )
        return bool(response["Items"]) and bool(dynamo.decode(response["Items"][0])["enabled"])
