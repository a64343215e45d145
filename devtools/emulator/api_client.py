"""Calling the local stack as a user would: JSON over HTTP with a bearer token, and the AWS endpoints."""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from devtools.emulator.local_identity import sign
from devtools.invoking.sample_events import paid_order_message

LOCAL_CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "local", "aws_secret_access_key": "local"}


def call(
    api: str, method: str, path: str, bearer: str | None = None, body: dict | None = None, timeout: float = 30
) -> tuple[int, dict]:
    """One request as a client of API Gateway makes it: waiting as long as the gateway would (29 s), so that a
    slow cold start on a loaded machine is answered (or timed out by the stack, as the gateway would), not
    abandoned by the test first."""
    request = urllib.request.Request(f"{api}{path}", method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def eventually(check: Callable[[], Any], timeout: float = 15) -> Any:
    """`check()`'s first truthy answer within `timeout` seconds; a call that times out (a function's cold start
    on a loaded machine) is one more try, until the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except TimeoutError:
            if time.monotonic() > deadline:
                raise
            continue
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def enrolled_with_paid_orders(stack: Any, count: int) -> tuple[str, list[str]]:
    """Merchant m-1 enrolled, and `count` badged orders o-0, o-1, ... paid through the order events queue (each by a
    buyer of its own id), all readable through the API: the merchant's token, and the order ids."""
    api, merchant = stack.api, sign({"sub": "u-1", "role": "merchant", "merchant_id": "m-1"})
    call(api, "PUT", "/merchants/m-1/fast-refund-service", merchant, {"enabled": True})
    sqs = boto3.client("sqs", endpoint_url=stack.state["endpoints"]["sqs"], **LOCAL_CREDENTIALS)
    paid_at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()  # after the enrolment: the badge holds
    orders = [f"o-{n}" for n in range(count)]
    for first in range(0, count, 10):
        entries = [
            {"Id": o, "MessageBody": json.dumps(paid_order_message(order_id=o, buyer_id=o, paid_at=paid_at))}
            for o in orders[first : first + 10]
        ]
        sqs.send_message_batch(QueueUrl=stack.state["outputs"]["OrderEventsQueueUrl"], Entries=entries)
    for order_id in orders:
        assert eventually(
            lambda o=order_id: call(api, "GET", f"/orders/{o}/fast-refund-eligibility", merchant)[0] == 200
        )
    return merchant, orders
