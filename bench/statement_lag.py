"""From a refund's commit to the merchant's statement showing it, on the local stack: 500 refunds made one after
another (about 20 a second); a reader polls the statement every 50 ms, and each refund's lag is from its API
answer (the commit) to the first read that counts it. The local stack delivers the stream as Lambda does (a batch
window of 1 s, then the payout publisher, which keeps the statement).

Run by `make bench`, or alone: .venv/bin/python -m bench.statement_lag
"""

import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from devtools.emulator.api_client import call, enrolled_with_paid_orders
from devtools.emulator.local_identity import sign
from devtools.emulator.local_stack_process import start_stack, wait_until_answering
from fastrefund.domain.clock import china_day

REFUNDS = 500
POLL_SECONDS = 0.05


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        stack = wait_until_answering(start_stack(Path(folder)), Path(folder))
        try:
            api = stack.api
            merchant, orders = enrolled_with_paid_orders(stack, REFUNDS)
            today = china_day(datetime.now(UTC)).isoformat()
            path = f"/merchants/m-1/fast-refund-statement?from={today}&to={today}"
            committed: list[float] = []
            seen: dict[int, float] = {}  # how many refunds the statement counted -> when first read so
            done = threading.Event()

            def read() -> None:
                while not done.is_set():
                    status, body = call(api, "GET", path, merchant)
                    if status == 200:
                        counted = body["totals"]["auto_refunded"]["platform"]["count"]
                        seen.setdefault(counted, time.monotonic())
                    time.sleep(POLL_SECONDS)

            reader = threading.Thread(target=read)
            reader.start()
            for order_id in orders:
                status, _ = call(
                    api, "POST", f"/orders/{order_id}/refund-requests", sign({"sub": order_id, "role": "buyer"})
                )
                assert status == 201
                committed.append(time.monotonic())
            deadline = time.monotonic() + 30
            while max(seen, default=0) < REFUNDS and time.monotonic() < deadline:
                time.sleep(0.1)
            done.set()
            reader.join()
        finally:
            stack.stop()
    # refund n (from 1) is shown by the first read that counted n or more
    firsts = sorted(seen.items())
    lags = [next(at for counted, at in firsts if counted >= n) - committed[n - 1] for n in range(1, REFUNDS + 1)]
    print(
        f"statement lag over {REFUNDS} refunds on the local stack (commit to the first read that counts it):"
        f" median {statistics.median(lags):.2f} s, p95 {statistics.quantiles(lags, n=20)[-1]:.2f} s,"
        f" max {max(lags):.2f} s"
    )


if __name__ == "__main__":
    main()
