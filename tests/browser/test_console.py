"""The console as the people who use it, in headless Chromium on one local stack: first a merchant's day (sign in,
find the refund in review, approve it, set a rule with a mistake the API names at its field, fix it, try it on
history, read the statement, download its CSV; `make screenshots` keeps a picture of each step in
docs/console/), then each page: what each role reaches and is refused, the forms' errors at their fields, the
parcel after a refund, ops' arbitration and payout retry, Chinese, a phone's width, China time, and the identity
provider's sign-in (authorization code with PKCE)."""

import base64
import csv
import hashlib
import io
import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import boto3
from playwright.sync_api import Page, Route, expect

from devtools.emulator.api_client import LOCAL_CREDENTIALS, call, eventually
from tests.browser.conftest import AUTO_REFUNDED_FEN, OPS, Shop, accessible, ask_refund, screenshot, sign_in
from tests.support import token


def test_a_merchant_approves_a_refund_sets_a_rule_tries_it_and_exports_the_statement(page: Page, shop: Shop):
    page.goto(shop.console)
    screenshot(page, "sign-in")
    sign_in(page, shop, "Merchant staff", "u-1", "m-1")
    expect(page.get_by_role("heading", name="Workbench · m-1")).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(21)  # a page of 20, newest first, and the header
    accessible(page, "workbench")
    screenshot(page, "workbench")

    # Find the refunds in review
    page.get_by_label("Status").select_option(label="In review")
    page.get_by_role("button", name="Apply").click()
    rows = page.get_by_role("row")
    expect(rows).to_have_count(1 + len(shop.orders["m-1 in review"]))
    expect(rows.nth(1)).to_contain_text("¥350.00")
    expect(rows.nth(1)).to_contain_text("Paid over the platform's limit")
    order = rows.nth(1).get_by_role("link").inner_text()
    assert order in shop.orders["m-1 in review"]

    # Open it, and approve it
    rows.nth(1).get_by_role("link").click()
    expect(page.get_by_role("heading", name=f"Refund · {order}")).to_be_visible()
    life = page.get_by_role("list").filter(has_text="Requested")
    expect(life).to_contain_text("Sent to review")
    expect(life).to_contain_text("Review deadline")
    accessible(page, "refund in review")
    screenshot(page, "refund-in-review")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_role("definition").first).to_have_text("Approved")
    expect(life).to_contain_text("Approved · Resolved by Merchant")
    expect(life).to_contain_text("Payout: Pending")
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    screenshot(page, "refund-approved")

    # Settings: a rule with a mistake (a band from 200 to 100 yuan)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings · m-1")).to_be_visible()
    accessible(page, "settings")
    page.get_by_label("Refund automatically by this policy").check()
    page.get_by_label("Largest single refund (yuan)").fill("500")
    page.get_by_label("Daily limit (yuan)").fill("2000")
    page.get_by_role("button", name="Add a rule").click()
    rule = page.get_by_role("group", name="Rule 1")
    rule.get_by_label("Rule id").fill("small-mistakes")
    rule.get_by_label("Paid from (yuan)").fill("200")
    rule.get_by_label("Paid up to (yuan)").fill("100")
    rule.get_by_role("checkbox", name="Ordered by mistake").check()
    page.get_by_role("button", name="Save policy").click()

    expect(page.get_by_role("alert")).to_contain_text("The policy was not saved")
    expect(page.get_by_role("alert")).to_contain_text("rules.0.when.amount_fen")
    lower = rule.get_by_label("Paid from (yuan)")
    expect(lower).to_have_attribute("aria-invalid", "true")
    expect(lower).to_have_accessible_description(re.compile("min"))
    expect(lower).to_have_value("200")  # what was typed is kept
    accessible(page, "settings with an error")
    screenshot(page, "rule-error-at-its-field")

    # Fixed, saved
    lower.fill("0")
    rule.get_by_label("Paid up to (yuan)").fill("400")  # the orders without the badge, at 380, are in it
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(lower).not_to_have_attribute("aria-invalid", "true")
    screenshot(page, "rule-fixed-and-saved")

    # Tried on history: the refunds of today decided again under it
    page.get_by_role("button", name="Start trial").click()
    result = page.get_by_role("table", name="Rules")
    expect(result).to_be_visible(timeout=30_000)
    expect(result.get_by_role("row", name=re.compile("small-mistakes"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Decisions: \d+"))).to_be_visible()
    accessible(page, "trial")
    screenshot(page, "trial")

    # Buyers of orders without the badge ask now: the rule refunds them, up to the daily limit of 2,000 yuan
    answers = [ask_refund(shop.stack.api, order)[1] for order in shop.orders["m-1 without the badge"]]
    assert [a["status"] for a in answers] == ["AUTO_REFUNDED"] * 5 + ["PENDING_REVIEW"]
    assert answers[-1]["reasons"][-1] == "DAILY_LIMIT_REACHED"
    today = answers[0]["decided_at"][:10]
    statement = f"/merchants/m-1/fast-refund-statement?from={today}&to={today}"

    def policy_refunds_counted() -> int:
        totals = call(shop.stack.api, "GET", statement, OPS)[1]["totals"]
        return totals["auto_refunded"]["merchant_policy"]["count"]

    assert eventually(lambda: policy_refunds_counted() == 5)  # the statement is kept from the stream

    # The statement: today's automatic refunds by route against the limit, the chart stating them
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Statement").click()
    expect(page.get_by_role("heading", name="Statement · m-1")).to_be_visible()
    chart = page.get_by_role("img", name=re.compile("Auto-refunded yuan per China day"))
    expect(chart).to_be_visible()
    platform_total = sum(AUTO_REFUNDED_FEN) / 100
    totals = page.get_by_role("row", name=re.compile("^Totals"))
    expect(totals).to_contain_text(f"¥{platform_total:,.2f} (24)")
    expect(totals).to_contain_text("¥1,900.00 (5)")
    expect(chart).to_have_attribute("aria-label", re.compile(rf"Platform fast refund ¥{platform_total:,.2f}"))
    expect(chart).to_have_attribute("aria-label", re.compile("Merchant policy ¥1,900.00, Daily limit ¥2,000.00"))
    accessible(page, "statement")
    screenshot(page, "statement")

    # Its CSV, through the export's link
    page.get_by_role("button", name="Export CSV").click()
    link = page.get_by_role("link", name="Download CSV")
    expect(link).to_be_visible(timeout=30_000)
    screenshot(page, "statement-csv-ready")
    with page.expect_download() as download:
        link.click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert {row["order_id"] for row in rows} >= set(shop.orders["m-1 refunded at once"]) | {order}
    assert not {row["order_id"] for row in rows} & set(shop.orders["m-2"])


def test_another_merchants_pages_read_not_found_and_show_none_of_its_ids(page: Page, shop: Shop):
    sign_in(page, shop, "Merchant staff", "u-1", "m-1")
    expect(page.get_by_role("heading", name="Workbench · m-1")).to_be_visible()
    theirs = shop.refund(shop.orders["m-2"][0])
    for fragment in (
        "#/merchants/m-2/refunds",
        "#/merchants/m-2/settings",
        "#/merchants/m-2/statement",
        f"#/orders/{theirs['order_id']}/refunds/{theirs['refund_id']}",
    ):
        page.goto(f"{shop.console}{fragment}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        accessible(page, "not found")
        content = page.content()
        assert not {*shop.orders["m-2"], theirs["refund_id"], theirs["buyer_id"]} & set(re.findall(r"[\w-]+", content))


def test_a_buyer_is_refused_a_console(page: Page, shop: Shop):
    sign_in(page, shop, "Buyer", "b-o-0")
    expect(page.get_by_role("alert")).to_have_text(
        "Buyers have no console: a buyer's refunds are in the platform's app."
    )
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    accessible(page, "sign-in")


def test_erp_reaches_the_statement_and_the_dry_run_and_no_more(page: Page, shop: Shop):
    sign_in(page, shop, "Merchant ERP", "erp-1", "m-3")
    expect(page.get_by_role("heading", name="Statement · m-3")).to_be_visible()
    menu = page.get_by_role("navigation", name="Main").get_by_role("link")
    expect(menu).to_have_text(["Statement", "Dry run"])

    page.get_by_role("link", name="Dry run").click()
    in_review = shop.orders["m-3 in review"][0]
    page.get_by_label("Order id").fill(in_review)
    page.get_by_label("Buyer's reason").select_option(label="Ordered by mistake")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Not refunded at once").first).to_be_visible()
    platform = page.get_by_role("region", name="Platform fast refund")
    expect(platform).to_contain_text("Paid over the platform's limit")
    expect(page.get_by_role("link", name=shop.refund(in_review)["refund_id"])).to_be_visible()
    accessible(page, "dry run")


def test_a_rejection_for_other_needs_a_message_and_the_error_sits_at_it(page: Page, shop: Shop):
    refund = shop.refund(shop.orders["m-3 in review"][1])
    sign_in(page, shop, "Merchant staff", "u-3", "m-3")
    page.goto(f"{shop.console}#/orders/{refund['order_id']}/refunds/{refund['refund_id']}")
    page.get_by_label("Rejection reason").select_option(label="Other")
    page.get_by_role("button", name="Reject").click()
    message = page.get_by_label("Message to the buyer")
    expect(message).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("VALIDATION_ERROR")
    message.fill("Made to order: we have started making it.")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("definition").first).to_have_text("Rejected")
    expect(page.get_by_role("list").filter(has_text="Requested")).to_contain_text("Made to order")


def test_a_parcel_that_left_after_a_refund_is_recorded_then_intercepted(page: Page, shop: Shop):
    refund = shop.refund(shop.orders["m-3 refunded at once"][0])
    sign_in(page, shop, "Merchant staff", "u-3", "m-3")
    page.goto(f"{shop.console}#/orders/{refund['order_id']}/refunds/{refund['refund_id']}")
    parcel = page.get_by_role("region", name="Parcel after refund")
    expect(parcel).to_contain_text("No parcel left after this refund.")
    accessible(page, "refund refunded at once")
    parcel.get_by_label("Carrier").fill("SF")
    parcel.get_by_label("Tracking number").fill("SF1234567")
    parcel.get_by_label("Shipped at (China time)").fill("2026-12-01T09:30")
    parcel.get_by_role("button", name="Record a parcel that left").click()
    expect(parcel).to_contain_text("SF1234567")
    expect(parcel).to_contain_text("09:30")  # China time, shown as entered, in a browser whose clock is UTC
    parcel.get_by_label("Outcome").select_option(label="Intercepted")
    parcel.get_by_role("button", name="Record outcome").click()
    expect(parcel).to_contain_text("Intercepted ·")
    status, stored = call(shop.stack.api, "GET", f"/orders/{refund['order_id']}/parcel-after-refund", OPS)
    shipped = datetime.fromisoformat(stored["shipped_at"])
    assert (status, stored["outcome"], shipped) == (200, "INTERCEPTED", datetime(2026, 12, 1, 1, 30, tzinfo=UTC))


def test_ops_arbitrate_a_rejection_and_retry_a_failed_payout(page: Page, shop: Shop):
    order = shop.orders["m-3 in review"][2]
    refund = shop.refund(order)
    merchant = token(sub="u-3", role="merchant", merchant_id="m-3")
    path = f"/orders/{order}/refund-requests/{refund['refund_id']}"
    assert call(shop.stack.api, "POST", f"{path}/reject", merchant, {"reason_code": "BUYER_AGREED_TO_KEEP"})[0] == 200

    sign_in(page, shop, "Platform operations", "ops-1")
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()
    accessible(page, "operations")
    page.get_by_label("Merchant id").fill("m-3")
    page.get_by_role("button", name="Open a merchant").click()
    expect(page.get_by_role("heading", name="Workbench · m-3")).to_be_visible()
    page.get_by_role("link", name=order).click()
    page.get_by_role("button", name="Approve (arbitration)").click()
    expect(page.get_by_role("definition").first).to_have_text("Approved")
    expect(page.get_by_role("list").filter(has_text="Requested")).to_contain_text("Resolved by Operations")

    # The payment system refuses the payout; ops retry it
    sqs = boto3.client("sqs", endpoint_url=shop.stack.state["endpoints"]["sqs"], **LOCAL_CREDENTIALS)
    failed = {
        "type": "REFUND_PAYOUT_FAILED",
        "refund_id": refund["refund_id"],
        "payout_id": f"{refund['refund_id']}:1",
        "failure_code": "ACCOUNT_FROZEN",
        "failed_at": datetime.now(UTC).isoformat(),
    }
    sqs.send_message(QueueUrl=shop.stack.state["outputs"]["PaymentResultsQueueUrl"], MessageBody=json.dumps(failed))
    assert eventually(lambda: (shop.refund(order)["payout"] or {}).get("status") == "FAILED")
    page.reload()
    expect(page.get_by_role("list").filter(has_text="Requested")).to_contain_text("Payout: Failed (ACCOUNT_FROZEN)")
    accessible(page, "refund with a failed payout")
    page.get_by_role("button", name="Retry payout").click()
    expect(page.get_by_role("list").filter(has_text="Requested")).to_contain_text("Payout: Pending · 2 attempts")


def test_ops_read_a_buyers_requests_and_the_escalated_list(page: Page, shop: Shop):
    sign_in(page, shop, "Platform operations", "ops-1")
    page.get_by_label("Buyer id").fill("b-p-1")
    page.get_by_role("button", name="Open a buyer's requests").click()
    expect(page.get_by_role("heading", name="Buyer's requests · b-p-1")).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("row").nth(1)).to_contain_text("m-3")
    expect(page.get_by_text("Not flagged")).to_be_visible()
    accessible(page, "buyer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Escalated requests").click()
    expect(page.get_by_role("heading", name="Escalated requests")).to_be_visible()
    accessible(page, "escalated")


def test_the_workbench_pages_on_and_filters_by_route(page: Page, shop: Shop):
    sign_in(page, shop, "Merchant staff", "u-1", "m-1")
    rows = page.get_by_role("row")
    expect(rows).to_have_count(21)
    first_page = rows.all_inner_texts()
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_role("link", name="First page")).to_be_visible()
    expect(rows.first).to_be_visible()
    second_page = rows.all_inner_texts()[1:]
    assert second_page and not set(second_page) & set(first_page)
    page.get_by_role("link", name="First page").click()
    page.get_by_label("Route").select_option(label="Platform fast refund")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile("route=PLATFORM_FAST_REFUND"))
    expect(page.get_by_role("cell", name="In review")).to_have_count(0)
    expect(page.get_by_role("cell", name="Platform fast refund")).to_have_count(20)


def test_chinese_text_and_back(page: Page, shop: Shop):
    sign_in(page, shop, "Merchant staff", "u-3", "m-3")
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="售后工作台 · m-3")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("row").nth(1)).to_contain_text("¥")
    expect(page.get_by_role("row", name=re.compile("待审核")).first).to_be_visible()
    accessible(page, "workbench in Chinese")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Workbench · m-3")).to_be_visible()


def test_times_are_china_time_in_a_browser_on_utc(page: Page, shop: Shop):
    refund = shop.refund(shop.orders["m-3 refunded at once"][1])
    sign_in(page, shop, "Merchant staff", "u-3", "m-3")
    page.goto(f"{shop.console}#/orders/{refund['order_id']}/refunds/{refund['refund_id']}")
    requested = datetime.fromisoformat(refund["requested_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    stamp = page.locator(f"time[datetime='{refund['requested_at']}']").first
    expect(stamp).to_contain_text(requested.strftime("%H:%M"))
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "UTC"


def test_pages_fit_a_phones_width(page: Page, shop: Shop):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, shop, "Merchant staff", "u-3", "m-3")
    for name in ("Workbench", "Settings", "Statement"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
        expect(page.get_by_text("Loading…")).to_have_count(0)
        # The page never scrolls sideways; a wide table scrolls in its own frame
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
    accessible(page, "statement at a phone's width")


def test_sign_in_through_the_identity_provider_with_pkce(page: Page, shop: Shop):
    """A provider played by the test: discovery, the authorization endpoint (answering with a code), and the
    token endpoint, which gives the ID token only for the verifier whose S256 hash the console sent first."""
    issuer = "https://id.example.test"
    asked: dict[str, str] = {}
    # Signed with the local secret, so that the local stack's authorizer takes it (deployed, the provider signs it
    # and the authorizer checks its audience: JwtAudience, the console's client id)
    id_token = token(sub="u-9", role="merchant", merchant_id="m-3", expires_in=3600)

    def config(route: Route) -> None:
        body = {"signIn": "oidc", "issuer": issuer, "clientId": "console-client"}
        route.fulfill(json=body | {"roleClaim": "role", "merchantClaim": "merchant_id"})

    def provider(route: Route) -> None:
        url = urlsplit(route.request.url)
        cors = {"Access-Control-Allow-Origin": "*"}
        if url.path == "/.well-known/openid-configuration":
            endpoints = {"authorization_endpoint": f"{issuer}/authorize", "token_endpoint": f"{issuer}/token"}
            route.fulfill(json={"issuer": issuer, **endpoints}, headers=cors)
        elif url.path == "/authorize":
            query = {name: values[0] for name, values in parse_qs(url.query).items()}
            asked.update(query)
            back = f"{query['redirect_uri']}?code=the-code&state={query['state']}"
            route.fulfill(status=302, headers={"Location": back})
        elif url.path == "/token":
            form = {name: values[0] for name, values in parse_qs(route.request.post_data or "").items()}
            digest = hashlib.sha256(form["code_verifier"].encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            valid = form["code"] == "the-code" and challenge == asked["code_challenge"]
            route.fulfill(status=200 if valid else 400, json={"id_token": id_token} if valid else {}, headers=cors)

    page.route("**/console/config.json", config)
    page.route(f"{issuer}/**", provider)
    page.goto(shop.console)
    page.get_by_role("button", name="Sign in with your company account").click()
    expect(page.get_by_role("heading", name="Workbench · m-3")).to_be_visible()
    assert asked["code_challenge_method"] == "S256" and asked["client_id"] == "console-client"
    assert asked["redirect_uri"] == shop.console and "code" not in page.url  # the code is not left in the address
    expect(page.get_by_text("Signed in as u-9")).to_be_visible()


def test_a_trial_over_an_upside_down_period_is_refused_in_the_trials_own_panel(page: Page, shop: Shop):
    sign_in(page, shop, "Merchant staff", "u-3", "m-3")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_label("Largest single refund (yuan)").fill("500")  # a policy that validates
    trial = page.get_by_role("region", name="Try on history")
    trial.get_by_label("From (China day)").fill("2026-12-05")
    trial.get_by_label("To (China day)").fill("2026-12-01")
    trial.get_by_role("button", name="Start trial").click()
    expect(trial.get_by_role("alert")).to_contain_text("VALIDATION_ERROR")
    expect(page.get_by_text("The policy was not saved")).to_have_count(0)  # the policy's fields were not at fault
