"""The browser tier: the console in Debian's headless Chromium, driven by Playwright, on one local stack seeded
through the API and the order events queue as the platform would fill it; axe-core's rules on every page."""

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from devtools.catalogue.template import ROOT
from devtools.emulator.api_client import LOCAL_CREDENTIALS, call, eventually
from devtools.emulator.local_stack_process import RunningStack, start_stack, wait_until_answering
from devtools.invoking.sample_events import paid_order_message
from tests.support import token

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Where `make screenshots` has the walk keep its pictures (the README shows two of them)
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOTS")
BLOCKING = ("serious", "critical")
AUTO_REFUNDED_FEN = [5_000 + 1_000 * n for n in range(24)]  # all under the platform's 300 yuan


@dataclass
class Shop:
    """The seeded stack: merchant m-1 with refunds of every kind, and merchant m-2 with its own."""

    stack: RunningStack
    in_review: list[str]  # orders of m-1 whose refund waits for the merchant
    auto_refunded: list[str]  # orders of m-1 refunded at once (the platform's route)
    other_merchants: list[str]  # orders of m-2

    @property
    def console(self) -> str:
        return f"{self.stack.api}/console/"


def _seed(stack: RunningStack) -> Shop:
    api = stack.api
    sqs = boto3.client("sqs", endpoint_url=stack.state["endpoints"]["sqs"], **LOCAL_CREDENTIALS)
    for merchant_id in ("m-1", "m-2"):
        owner = token(sub="u-1", role="merchant", merchant_id=merchant_id)
        assert call(api, "PUT", f"/merchants/{merchant_id}/fast-refund-service", owner, {"enabled": True})[0] == 200
    paid_at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()  # after the enrolment: badged
    orders: dict[str, dict[str, Any]] = {}
    for n in range(24):  # more than a workbench page of 20
        orders[f"o-{n}"] = {"paid_amount_fen": AUTO_REFUNDED_FEN[n], "category_path": "apparel/women/dresses"}
    for n in range(24, 27):  # 350 yuan: over the platform's 300, and m-1 has no policy yet: to review
        orders[f"o-{n}"] = {"paid_amount_fen": 35_000}
    for n in range(2):
        orders[f"x-{n}"] = {"merchant_id": "m-2", "paid_amount_fen": 8_800}
    entries = [
        {
            "Id": order_id,
            "MessageBody": json.dumps(
                paid_order_message(order_id=order_id, buyer_id=f"b-{order_id}", paid_at=paid_at, **fields)
            ),
        }
        for order_id, fields in orders.items()
    ]
    for first in range(0, len(entries), 10):
        sqs.send_message_batch(
            QueueUrl=stack.state["outputs"]["OrderEventsQueueUrl"], Entries=entries[first : first + 10]
        )
    ops = token(sub="ops-1", role="ops")
    for order_id in orders:
        assert eventually(lambda o=order_id: call(api, "GET", f"/orders/{o}/fast-refund-eligibility", ops)[0] == 200)
        buyer = token(sub=f"b-{order_id}", role="buyer")
        status, _ = call(
            api, "POST", f"/orders/{order_id}/refund-requests", buyer, {"reason_code": "ORDERED_BY_MISTAKE"}
        )
        assert status == 201, order_id
    return Shop(
        stack,
        in_review=[f"o-{n}" for n in range(24, 27)],
        auto_refunded=[f"o-{n}" for n in range(24)],
        other_merchants=[f"x-{n}" for n in range(2)],
    )


@pytest.fixture(scope="session")
def shop(tmp_path_factory) -> Iterator[Shop]:
    assert (ROOT / "console" / "dist" / "index.html").is_file(), "the console is not built: make console"
    state = tmp_path_factory.mktemp("stack")
    process = start_stack(state)
    stack = wait_until_answering(process, state)
    try:
        yield _seed(stack)
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            # This machine's network is closed: Chromium's own background calls would only be refused
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # The browser's clock is in UTC, so that a time shown in China time proves the console converted it
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-GB", timezone_id="UTC", accept_downloads=True
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    yield page
    context.close()
    # A console error (a script error, a refused Content-Security-Policy) fails the test that caused it; an API
    # refusal the test asked for is logged by Chromium too, and is told apart by its status line
    assert [p for p in problems if "status of 4" not in p] == []


def sign_in(page: Page, shop: Shop, role: str, user: str, merchant: str | None = None) -> None:
    """Signing in as a person does on the local stack: choose who you are."""
    page.goto(shop.console)
    page.get_by_label("Role").select_option(label=role)
    page.get_by_label("User id").fill(user)
    if merchant:
        page.get_by_label("Merchant id").fill(merchant)
    page.get_by_role("button", name="Sign in").click()


def accessible(page: Page, name: str) -> None:
    """axe-core's rules on the page as it is now: no serious or critical violation. (Evaluated through the
    driver, which the page's Content-Security-Policy does not govern.)"""
    expect(page.get_by_text("Loading…")).to_have_count(0)
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
    )
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert blocking == [], f"{name}: {blocking}"
    PAGES_CHECKED.add(name)


PAGES_CHECKED: set[str] = set()


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if PAGES_CHECKED:
        pages = ", ".join(sorted(PAGES_CHECKED))
        terminalreporter.write_line(f"browser tier: axe-core, no serious or critical violation on: {pages}")
