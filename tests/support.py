"""Helpers the tests share: invoking a function by its folder name, reading answers, seeding data.

The events themselves are built by devtools.invoking.sample_events (re-exported here for the tests' imports).
"""

import json
from datetime import datetime, timedelta
from typing import Any

from devtools.catalogue.template import Template
from devtools.emulator import local_identity
from devtools.invoking.harness import invoke_named
from devtools.invoking.sample_events import (
    EVENTS,
    api_event,
    buyer,
    event,
    merchant,
    ops,
    paid_order_message,
    shipped_message,
    sqs_batch,
)
from fastrefund.domain.clock import to_storage, utc_now

__all__ = [
    "EVENTS",
    "api_event",
    "buyer",
    "enrol_since",
    "event",
    "invoke",
    "merchant",
    "ops",
    "paid_order_message",
    "pay",
    "response_json",
    "shipped_message",
    "sqs_batch",
    "sweep_review_deadlines",
    "token",
]


def invoke(function: str, event: dict[str, Any]) -> Any:
    """Invoke functions/<function>/app.py as Lambda would."""
    return invoke_named(function, event)


def response_json(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def pay(**order: Any) -> None:
    """Send one ORDER_PAID through the intake function, and check it was applied."""
    assert invoke("order_events", sqs_batch(paid_order_message(**order))) == {"batchItemFailures": []}


def ask_refund(order_id: str = "o-1", caller: dict[str, str] | None = None, body: Any = None) -> dict[str, Any]:
    """The buyer's POST /orders/{order_id}/refund-requests, through the orders API: its response."""
    request = api_event(
        "orders_api_refund_request", caller=caller or buyer(), path={"order_id": order_id}, body=body or {}
    )
    result: dict[str, Any] = invoke("orders_api", request)
    return result


def past_deadline(stack: Any, order_id: str, refund_id: str, ago: timedelta = timedelta(seconds=1)) -> None:
    """A request's review deadline moved `ago` into the past, as if its 48 hours had gone by."""
    stack.dynamodb.update_item(
        TableName=stack.table("RefundsTable"),
        Key={"order_id": {"S": order_id}, "refund_id": {"S": refund_id}},
        UpdateExpression="SET review_deadline = :past",
        ExpressionAttributeValues={":past": {"S": to_storage(utc_now() - ago)}},
    )


def sweep_review_deadlines(stack: Any) -> dict[str, int]:
    """The minute's review deadline as the deployed service runs it: the dispatcher hands out the review
    partitions on the sweep queue, and a sweeper takes each one. The sweepers' outcomes, summed."""
    assert invoke("review_deadlines", event("review_deadlines_scheduled")) == {"partitions": 65}
    url, total = stack.resolve.refs["ReviewSweepQueue"], {"decided": 0, "escalated": 0, "failed": 0}
    while messages := stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            outcome = invoke("review_sweeper", sqs_batch(message["Body"]))
            total = {name: total[name] + outcome[name] for name in total}
            stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return total


def token(secret: str | None = None, expires_in: int = 600, algorithm: str = "HS256", **claims: Any) -> str:
    return local_identity.sign(claims, secret, expires_in, algorithm)


def enrol_since(at: str, merchant_id: str = "m-1", enabled: bool = True) -> None:
    """Record a change of enrolment in the past (the API can only record one now)."""
    from fastrefund.repositories.store import get_store

    get_store().merchants.set_fast_refund_service(merchant_id, enabled, datetime.fromisoformat(at))


def any_stack() -> Template:
    """template.yaml under any stack's names: the least-privilege check's view of the tests' resources, which each
    tier names under a prefix of its own ("*-OrdersTable" matches them all)."""
    return Template.load(prefix="*")


def open_request(store: Any, order_id: str) -> tuple[Any, Any]:
    """The order and its open or approved request, if any, as the store holds them now."""
    order = store.orders.get(order_id)
    if order is None or order.refund_id is None:
        return order, None
    return order, store.refunds.get(order_id, order.refund_id)
