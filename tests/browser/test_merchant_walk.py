"""A merchant's day in the console, as after-sales staff walk it: sign in, find the refund in review, approve it,
set a rule (with a mistake the API names at its field, then fixed), try it on history, read the statement and
download its CSV. `make screenshots` keeps a picture of each step in docs/console/."""

import csv
import io
import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import AUTO_REFUNDED_FEN, Shop, accessible, screenshot, sign_in


def test_a_merchant_approves_a_refund_sets_a_rule_tries_it_and_exports_the_statement(page: Page, shop: Shop):
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
    rule.get_by_label("Paid up to (yuan)").fill("400")
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(lower).not_to_have_attribute("aria-invalid", "true")

    # Tried on history: the refunds of today decided again under it
    page.get_by_role("button", name="Start trial").click()
    result = page.get_by_role("table", name="Rules")
    expect(result).to_be_visible(timeout=30_000)
    expect(result.get_by_role("row", name=re.compile("small-mistakes"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Decisions: \d+"))).to_be_visible()
    accessible(page, "trial")
    screenshot(page, "trial")

    # The statement: today's automatic refunds, the chart stating them
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Statement").click()
    expect(page.get_by_role("heading", name="Statement · m-1")).to_be_visible()
    chart = page.get_by_role("img", name=re.compile("Auto-refunded yuan per China day"))
    expect(chart).to_be_visible()
    platform_total = sum(AUTO_REFUNDED_FEN) / 100
    totals = page.get_by_role("row", name=re.compile("^Totals"))
    expect(totals).to_contain_text(f"¥{platform_total:,.2f} (24)")
    expect(chart).to_have_attribute("aria-label", re.compile(rf"Platform fast refund ¥{platform_total:,.2f}"))
    accessible(page, "statement")
    screenshot(page, "statement")

    # Its CSV, through the export's link
    page.get_by_role("button", name="Export CSV").click()
    link = page.get_by_role("link", name="Download CSV")
    expect(link).to_be_visible(timeout=30_000)
    with page.expect_download() as download:
        link.click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert {row["order_id"] for row in rows} >= set(shop.orders["m-1 refunded at once"]) | {order}
    assert not {row["order_id"] for row in rows} & set(shop.orders["m-2"])
