"""Refund requests a second through the local stack's API (platform route: authorizer, order read, one
transaction), with 1 and with 4 environments per function. Each refund is for an order of its own;
the clients send 8 at a time. Environments are started (cold) before the clock starts.

Run by `make bench`, or alone: .venv/bin/python -m bench.local_api_throughput
"""

import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3

from devtools.emulator.api_client import LOCAL_CREDENTIALS, call, eventually
from devtools.emulator.local_identity import sign
from devtools.emulator.local_stack_process import start_stack, wait_until_answering
from devtools.invoking.sample_events import paid_order_message

REFUNDS = 200
CLIENTS = 8


def refunds_per_second(concurrency: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        stack = wait_until_answering(start_stack(Path(folder), "--concurrency", str(concurrency)), Path(folder))
        try:
            api, merchant = stack.api, sign({"sub": "u-1", "role": "merchant", "merchant_id": "m-1"})
            call(api, "PUT", "/merchants/m-1/fast-refund-service", merchant, {"enabled": True})
            sqs = boto3.client("sqs", endpoint_url=stack.state["endpoints"]["sqs"], **LOCAL_CREDENTIALS)
            paid_at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
            orders = [f"o-{n}" for n in range(REFUNDS)]
            for first in range(0, REFUNDS, 10):
                entries = [
                    {"Id": o, "MessageBody": json.dumps(paid_order_message(order_id=o, buyer_id=o, paid_at=paid_at))}
                    for o in orders[first : first + 10]
                ]
                sqs.send_message_batch(QueueUrl=stack.state["outputs"]["OrderEventsQueueUrl"], Entries=entries)
            for order_id in orders:
                assert eventually(
                    lambda o=order_id: call(api, "GET", f"/orders/{o}/fast-refund-eligibility", merchant)[0] == 200
                )

            def refund(order_id: str) -> int:
                return call(
                    api, "POST", f"/orders/{order_id}/refund-requests", sign({"sub": order_id, "role": "buyer"})
                )[0]

            with ThreadPoolExecutor(CLIENTS) as clients:
                # every environment started before the clock starts
                list(
                    clients.map(
                        lambda _: call(api, "GET", "/orders/o-0/fast-refund-eligibility", merchant), range(CLIENTS * 2)
                    )
                )
                started = time.monotonic()
                statuses = list(clients.map(refund, orders))
                elapsed = time.monotonic() - started
            assert set(statuses) == {201}, statuses
            return REFUNDS / elapsed
        finally:
            stack.stop()


def main() -> None:
    for concurrency in (1, 4):
        rate = refunds_per_second(concurrency)
        print(f"local API, platform refund, {concurrency} environment(s) per function: {rate:.0f} refunds/s")


if __name__ == "__main__":
    main()
