"""The console's weight and the workbench's load time on the local stack: the built files gzipped, then a merchant
with 200 refunds opening the workbench in headless Chromium, from the address to its first 20 rows on screen,
20 times in a new browser context (nothing cached) and 20 times again in the same one (the assets cached, the
API called again). The time includes the API's own answer (the local stack's, on this machine).

Run by `make bench`, or alone: .venv/bin/python -m bench.console_load
"""

import gzip
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from devtools.catalogue.template import CONSOLE_BUILT
from devtools.emulator import headless_chromium
from devtools.emulator.api_client import call, enrolled_with_paid_orders
from devtools.emulator.local_identity import sign
from devtools.emulator.local_stack_process import start_stack, wait_until_answering

REFUNDS = 200
LOADS = 20


def assets() -> None:
    files = sorted(path for path in CONSOLE_BUILT.rglob("*") if path.is_file())
    sizes = {path.relative_to(CONSOLE_BUILT).as_posix(): len(gzip.compress(path.read_bytes(), 9)) for path in files}
    for name, size in sizes.items():
        print(f"  {name}: {size / 1024:.1f} KB gzipped")
    print(f"console assets: {sum(sizes.values()) / 1024:.1f} KB gzipped in all (budget 250 KB)")


def workbench_loads(console: str, token: str) -> tuple[list[float], list[float]]:
    session = json.dumps({"token": token, "role": "merchant", "sub": "u-1", "merchantId": "m-1"})
    address = f"{console}#/merchants/m-1/refunds"
    cold, warm = [], []
    with sync_playwright() as playwright:
        browser = headless_chromium.launch(playwright)
        for _ in range(LOADS):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_init_script(f"sessionStorage.setItem('console.session', {json.dumps(session)})")
            page = context.new_page()
            cold.append(_load(page, address))
            warm.append(_load(page, address, reload=True))
            context.close()
        browser.close()
    return cold, warm


def _load(page, address: str, reload: bool = False) -> float:
    started = time.perf_counter()
    page.reload() if reload else page.goto(address)
    page.get_by_role("row").nth(20).wait_for()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    assets()
    with tempfile.TemporaryDirectory() as folder:
        stack = wait_until_answering(start_stack(Path(folder)), Path(folder))
        try:
            merchant, orders = enrolled_with_paid_orders(stack, REFUNDS)
            for order_id in orders:
                buyer = sign({"sub": order_id, "role": "buyer"})
                assert call(stack.api, "POST", f"/orders/{order_id}/refund-requests", buyer)[0] == 201
            urllib.request.urlopen(f"{stack.api}/console/").read()
            cold, warm = workbench_loads(f"{stack.api}/console/", merchant)
        finally:
            stack.stop()
    for name, times in (("nothing cached", cold), ("assets cached", warm)):
        p95 = statistics.quantiles(times, n=20)[18]
        print(
            f"workbench to 20 rows, {name}: median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms ({LOADS} loads)"
        )


if __name__ == "__main__":
    main()
