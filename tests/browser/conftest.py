"""The browser tier: the console in Debian's headless Chromium, driven by Playwright, on one local stack seeded
through the API and the order events queue as the platform would fill it; axe-core's rules on every page."""

import json
import os
import re
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from devtools.catalogue.template import CONSOLE_BUILT, ROOT
from devtools.emulator import headless_chromium
from devtools.emulator.api_client import LOCAL_CREDENTIALS, call, eventually
from devtools.emulator.local_stack_process import RunningStack, start_stack, wait_until_answering
from devtools.invoking.sample_events import paid_order_message
from tests.support import token

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Where `make screenshots` has the walk keep its pictures (the README shows two of them)
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOTS")
BLOCKING = ("serious", "critical")
AUTO_REFUNDED_FEN = [5_000 + 1_000 * n for n in range(24)]  # all under the platform's 300 yuan


@dataclass
class Shop:
    """The seeded stack. Merchant m-1 is the walk's: 24 orders refunded at once (the platform's route), 3 of 350
    yuan in review, and 6 of 380 yuan without the badge whose buyers ask once the merchant's policy is set.
    Merchant m-2 has its own, for the pages that must not show them. Merchant m-3 is the other tests' (4
    refunded at once, 4 in review), so that no test changes what another reads."""

    stack: RunningStack
    orders: dict[str, list[str]]

    @property
    def console(self) -> str:
        return f"{self.stack.api}/console/"

    def refund(self, order_id: str) -> dict[str, Any]:
        """The order's latest refund, as the API shows it to ops."""
        status, body = call(self.stack.api, "GET", f"/orders/{order_id}/refund-requests", OPS)
        assert status == 200, body
        return body["refund_requests"][0]


OPS = token(sub="ops-1", role="ops", expires_in=3600)


@dataclass(frozen=True)
class Seed:
    merchant_id: str
    prefix: str  # the orders are <prefix>-<n>, each paid by buyer b-<prefix>-<n>
    numbers: range
    paid_fen: Callable[[int], int]
    badge: bool = True
    asked: bool = True  # its buyers ask for a refund while the stack is seeded (else: when a test has them ask)


SEEDED = {
    "m-1 refunded at once": Seed("m-1", "o", range(24), lambda n: AUTO_REFUNDED_FEN[n]),
    "m-1 in review": Seed("m-1", "o", range(24, 27), lambda n: 35_000),
    "m-1 without the badge": Seed("m-1", "w", range(6), lambda n: 38_000, badge=False, asked=False),
    "m-2": Seed("m-2", "x", range(2), lambda n: 8_800),
    "m-3 refunded at once": Seed("m-3", "p", range(4), lambda n: 9_900),
    "m-3 in review": Seed("m-3", "q", range(4), lambda n: 35_000),
}


def ask_refund(api: str, order_id: str) -> tuple[int, dict]:
    """The order's buyer asks for a refund, as the platform's app does: ordered by mistake."""
    buyer = token(sub=f"b-{order_id}", role="buyer")
    return call(api, "POST", f"/orders/{order_id}/refund-requests", buyer, {"reason_code": "ORDERED_BY_MISTAKE"})


def _seed(stack: RunningStack) -> Shop:
    api = stack.api
    sqs = boto3.client("sqs", endpoint_url=stack.state["endpoints"]["sqs"], **LOCAL_CREDENTIALS)
    for merchant_id in ("m-1", "m-2", "m-3"):
        owner = token(sub="u-1", role="merchant", merchant_id=merchant_id)
        assert call(api, "PUT", f"/merchants/{merchant_id}/fast-refund-service", owner, {"enabled": True})[0] == 200
    paid_at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()  # after the enrolment: badged
    orders = {kind: [f"{seed.prefix}-{n}" for n in seed.numbers] for kind, seed in SEEDED.items()}
    messages = [
        paid_order_message(
            order_id=f"{seed.prefix}-{n}",
            merchant_id=seed.merchant_id,
            buyer_id=f"b-{seed.prefix}-{n}",
            paid_at=paid_at,
            paid_amount_fen=seed.paid_fen(n),
            fast_refund_badge=seed.badge,
            category_path="apparel/women/dresses",
        )
        for seed in SEEDED.values()
        for n in seed.numbers
    ]
    asking = {order_id for kind, seed in SEEDED.items() if seed.asked for order_id in orders[kind]}
    for first in range(0, len(messages), 10):
        entries = [{"Id": str(n), "MessageBody": json.dumps(m)} for n, m in enumerate(messages[first : first + 10])]
        sqs.send_message_batch(QueueUrl=stack.state["outputs"]["OrderEventsQueueUrl"], Entries=entries)

    def refund(message: dict[str, Any]) -> None:
        order_id = message["order"]["order_id"]
        assert eventually(lambda: call(api, "GET", f"/orders/{order_id}/fast-refund-eligibility", OPS)[0] == 200)
        if order_id in asking:
            assert ask_refund(api, order_id)[0] == 201, order_id

    with ThreadPoolExecutor(8) as buyers:  # the buyers ask at once, as on a sale day
        list(buyers.map(refund, messages))
    return Shop(stack, orders)


# The tier's tests share one stack and one browser, for the worker's session. Stopping the stack with its file
# coincided in 2 runs of 4 with a DynamoDB Local tier on the same worker losing its tables (not explained yet: see
# docs/testing.md), so it is stopped at the session's end; between, it is paused (SIGSTOP), so that its pollers
# take no CPU from the tiers after it, and it frees no port.
@pytest.fixture(scope="session")
def _stack(tmp_path_factory) -> Iterator[Shop]:
    assert (CONSOLE_BUILT / "index.html").is_file(), "the console is not built: make console"
    state = tmp_path_factory.mktemp("stack")
    process = start_stack(state)
    stack = wait_until_answering(process, state)
    try:
        yield _seed(stack)
    finally:
        process.send_signal(signal.SIGCONT)
        stack.stop()


@pytest.fixture(scope="module")
def shop(_stack: Shop) -> Iterator[Shop]:
    yield _stack
    _stack.stack.process.send_signal(signal.SIGSTOP)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = headless_chromium.launch(playwright)
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
    if role != "Buyer":  # at the role's first page
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        expect(page).to_have_url(re.compile("#/."))


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
