"""Refund requests a second through the local stack's API (platform route: authorizer, order read, one
transaction), with 1 and with 4 environments per function. Each refund is for an order of its own;
the clients send 8 at a time. Environments are started (cold) before the clock starts.

Run by `make bench`, or alone: .venv/bin/python -m bench.local_api_throughput
"""

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devtools.emulator.api_client import call, enrolled_with_paid_orders
from devtools.emulator.local_identity import sign
from devtools.emulator.local_stack_process import start_stack, wait_until_answering

REFUNDS = 200
CLIENTS = 8


def refunds_per_second(concurrency: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        stack = wait_until_answering(start_stack(Path(folder), "--concurrency", str(concurrency)), Path(folder))
        try:
            api = stack.api
            merchant, orders = enrolled_with_paid_orders(stack, REFUNDS)

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
