"""The key of every item the service stores, one helper per table, used by every repository.

OrdersTable        order_id
RefundsTable       order_id + refund_id (at most three requests per order)
MerchantsTable     merchant_id + record: SETTINGS, ENROLMENT#<UTC instant>, SUBSCRIPTION#<id>, and a report's
                   TRIAL#<id> or EXPORT#<id> (domain/models/reports.py)
PolicyUsageTable   merchant_id + day (a China calendar day)
"""

from datetime import date
from typing import Any

from fastrefund.repositories import dynamo

SETTINGS = "SETTINGS"
ENROLMENT = "ENROLMENT#"  # + the UTC instant of the change, as stored: the history sorts by time
SUBSCRIPTION = "SUBSCRIPTION#"  # + the subscription id
ENDPOINTS = "#ENDPOINT"  # a partition of its own: "#" is never in a merchant id


def order(order_id: str) -> dict[str, Any]:
    return dynamo.encode({"order_id": order_id})


def refund(order_id: str, refund_id: str) -> dict[str, Any]:
    return dynamo.encode({"order_id": order_id, "refund_id": refund_id})


def merchant(merchant_id: str, record: str = SETTINGS) -> dict[str, Any]:
    return dynamo.encode({"merchant_id": merchant_id, "record": record})


def endpoint(protocol: str, address: str) -> dict[str, Any]:
    return dynamo.encode({"merchant_id": ENDPOINTS, "record": f"{protocol}:{address}"})


def usage(merchant_id: str, day: date, counter: int = 0) -> dict[str, Any]:
    """One of a merchant's usage counters for a day. Each has its own partition key, so that each takes its
    own ~1,000 writes a second; counter 0 keeps the merchant's id alone (an identifier never holds '#')."""
    partition = f"{merchant_id}#{counter}" if counter else merchant_id
    return dynamo.encode({"merchant_id": partition, "day": day.isoformat()})


def usage_counter_of(partition: str) -> tuple[str, int]:
    """(merchant_id, counter) of a usage counter's partition key."""
    merchant_id, _, counter = partition.partition("#")
    return merchant_id, int(counter or 0)
