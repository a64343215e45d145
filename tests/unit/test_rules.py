"""The rules engine at its edges: amounts, rule versions by payment time, the legacy window, states."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devtools.factories import PAID_AT, default_rulebook, merchant, order, policy, usage
from fastrefund.domain.models.common import Reason, Route
from fastrefund.domain.models.order import OrderStatus
from fastrefund.domain.rulebook import RuleBook
from fastrefund.domain.rules import Decision, decide, platform_check

LAST_LEGACY_INSTANT = datetime.fromisoformat("2023-09-12T23:59:59+08:00")
FIRST_NEW_INSTANT = datetime.fromisoformat("2023-09-13T00:00:00+08:00")


def decide_at(order_, settings, now, used) -> Decision:
    return decide(order_, platform_check(order_, default_rulebook(), now), settings, used)


def platform(order_, now=None, settings=None):
    decision = decide_at(order_, settings or merchant(), now or order_.paid_at, usage())
    return decision.checks[0]


def merchant_route(order_, policy_, used=None):
    decision = decide_at(order_, merchant(policy_), order_.paid_at, used or usage())
    return decision.checks[1]


def test_an_ordinary_badged_order_under_300_yuan_is_approved_by_the_platform():
    decision = decide_at(order(), merchant(), PAID_AT, usage())

    assert decision.approved is not None
    assert decision.approved.route is Route.PLATFORM_FAST_REFUND
    assert decision.rule_version == "2023-09-13"
    assert decision.checks[1].reasons == [Reason.POLICY_DISABLED]


@pytest.mark.parametrize(("amount_fen", "eligible"), [(29999, True), (30000, False), (30001, False), (0, True)])
def test_the_platform_limit_is_strictly_below_300_yuan(amount_fen, eligible):
    check = platform(order(paid_amount_fen=amount_fen))

    assert check.eligible is eligible
    assert (Reason.AMOUNT_OVER_LIMIT in check.reasons) is not eligible


@pytest.mark.parametrize(
    ("paid_at", "version"),
    [
        ("2023-09-12T23:59:59+08:00", "legacy-6h"),
        ("2023-09-13T00:00:00+08:00", "2023-09-13"),
        ("2023-09-12T15:59:59+00:00", "legacy-6h"),  # the same instants, written in UTC
        ("2023-09-12T16:00:00+00:00", "2023-09-13"),
        ("2023-09-12T16:00:00Z", "2023-09-13"),
    ],
)
def test_the_rule_version_is_chosen_by_payment_time_in_china(paid_at, version):
    assert platform(order(paid_at=datetime.fromisoformat(paid_at))).rule_version == version


@pytest.mark.parametrize(
    ("requested_after", "eligible"),
    [(timedelta(hours=6), True), (timedelta(hours=6, seconds=1), False), (timedelta(0), True)],
)
def test_the_legacy_window_is_six_hours_inclusive(requested_after, eligible):
    legacy_order = order(paid_at=LAST_LEGACY_INSTANT)

    check = platform(legacy_order, now=LAST_LEGACY_INSTANT + requested_after)

    assert check.rule_version == "legacy-6h"
    assert check.eligible is eligible
    assert check.reasons == ([] if eligible else [Reason.REFUND_WINDOW_EXPIRED])


def test_after_the_upgrade_there_is_no_window():
    check = platform(order(paid_at=FIRST_NEW_INSTANT), now=FIRST_NEW_INSTANT + timedelta(days=30))

    assert check.eligible


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"product_type": "VIRTUAL"}, Reason.VIRTUAL_GOODS),
        ({"badge_at_payment": False}, Reason.NO_FAST_REFUND_BADGE),
        ({"status": OrderStatus.SHIPPED}, Reason.ORDER_SHIPPED),
        ({"status": OrderStatus.CLOSED}, Reason.ORDER_CLOSED),
        ({"status": OrderStatus.REFUNDED}, Reason.ALREADY_REFUNDED),
    ],
)
def test_each_failing_condition_has_its_reason(changes, reason):
    check = platform(order(**changes))

    assert not check.eligible
    assert check.reasons == [reason]


@pytest.mark.parametrize("paid_at", [LAST_LEGACY_INSTANT, FIRST_NEW_INSTANT])
def test_custom_made_goods_qualify_by_default_the_source_excludes_only_virtual_goods(paid_at):
    assert platform(order(product_type="CUSTOM_MADE", paid_at=paid_at)).eligible


def test_a_product_type_the_configuration_excludes_has_its_reason():
    document = default_rulebook().model_dump(mode="json")
    document["versions"][1]["excluded_product_types"] = ["CUSTOM_MADE"]
    rulebook = RuleBook.model_validate(document)
    custom = order(product_type="CUSTOM_MADE", paid_at=FIRST_NEW_INSTANT)

    check = platform_check(custom, rulebook, FIRST_NEW_INSTANT)

    assert check.reasons == [Reason.EXCLUDED_PRODUCT_TYPE]


def test_an_open_request_is_named_in_every_route_check():
    decision = decide_at(order(refund_id="r-1", refund_requests=1), merchant(), PAID_AT, usage())

    assert decision.approved is None
    assert all(Reason.REFUND_ALREADY_REQUESTED in check.reasons for check in decision.checks)


def test_every_failing_condition_is_listed_together():
    late = order(
        badge_at_payment=False,
        product_type="VIRTUAL",
        paid_amount_fen=30000,
        paid_at=LAST_LEGACY_INSTANT,
        status=OrderStatus.SHIPPED,
    )

    check = platform(late, now=LAST_LEGACY_INSTANT + timedelta(days=1))

    assert check.reasons == [
        Reason.NO_FAST_REFUND_BADGE,
        Reason.VIRTUAL_GOODS,
        Reason.AMOUNT_OVER_LIMIT,
        Reason.REFUND_WINDOW_EXPIRED,
        Reason.ORDER_SHIPPED,
    ]


def test_the_merchant_policy_takes_orders_the_platform_does_not_cover():
    decision = decide_at(order(paid_amount_fen=45000), merchant(policy()), PAID_AT, usage())

    assert decision.approved is not None
    assert decision.approved.route is Route.MERCHANT_AUTO_REFUND
    assert decision.checks[0].reasons == [Reason.AMOUNT_OVER_LIMIT]


@pytest.mark.parametrize(("amount_fen", "eligible"), [(50000, True), (50001, False)])
def test_the_single_refund_limit_is_inclusive(amount_fen, eligible):
    check = merchant_route(order(paid_amount_fen=amount_fen), policy())

    assert check.eligible is eligible


def test_the_daily_limit_counts_what_was_already_approved_today():
    limit = policy(daily_limit_amount_fen=100000, daily_limit_count=3)

    assert merchant_route(order(paid_amount_fen=40000), limit, usage(60000, 1)).eligible
    assert merchant_route(order(paid_amount_fen=40001), limit, usage(60000, 1)).reasons == [Reason.DAILY_LIMIT_REACHED]
    assert merchant_route(order(paid_amount_fen=100), limit, usage(0, 3)).reasons == [Reason.DAILY_LIMIT_REACHED]


@pytest.mark.parametrize(
    ("scope", "eligible"),
    [
        ({"mode": "ALL"}, True),
        ({"mode": "INCLUDE", "product_ids": ["p-1"]}, True),
        ({"mode": "INCLUDE", "product_ids": ["p-2"]}, False),
        ({"mode": "EXCLUDE", "product_ids": ["p-1"]}, False),
        ({"mode": "EXCLUDE", "product_ids": ["p-2"]}, True),
    ],
)
def test_the_policy_covers_only_its_product_scope(scope, eligible):
    check = merchant_route(order(), policy(product_scope=scope))

    assert check.eligible is eligible
    assert (Reason.PRODUCT_NOT_IN_POLICY_SCOPE in check.reasons) is not eligible


def test_virtual_goods_need_the_merchants_consent():
    virtual = order(product_type="VIRTUAL")

    assert merchant_route(virtual, policy()).reasons == [Reason.VIRTUAL_GOODS]
    assert merchant_route(virtual, policy(include_virtual=True)).eligible


def test_a_disabled_policy_still_lists_what_else_fails():
    check = merchant_route(order(paid_amount_fen=60000, status=OrderStatus.CLOSED), policy(enabled=False))

    assert check.reasons == [Reason.POLICY_DISABLED, Reason.AMOUNT_OVER_POLICY_LIMIT, Reason.ORDER_CLOSED]


@given(amount_fen=st.integers(min_value=0, max_value=10_000_000))
def test_platform_approval_by_amount_is_exactly_below_the_limit(amount_fen):
    assert platform(order(paid_amount_fen=amount_fen)).eligible is (amount_fen < 30000)


@given(seconds=st.integers(min_value=-86_400 * 400, max_value=86_400 * 400))
def test_the_version_changes_exactly_at_midnight_china_time(seconds):
    paid_at = FIRST_NEW_INSTANT + timedelta(seconds=seconds)

    assert platform(order(paid_at=paid_at)).rule_version == ("2023-09-13" if seconds >= 0 else "legacy-6h")


@given(seconds_after=st.integers(min_value=0, max_value=86_400 * 3))
def test_the_legacy_window_closes_after_exactly_six_hours(seconds_after):
    legacy_order = order(paid_at=LAST_LEGACY_INSTANT - timedelta(days=2))

    check = platform(legacy_order, now=legacy_order.paid_at + timedelta(seconds=seconds_after))

    assert check.eligible is (seconds_after <= 6 * 3600)


@given(used=st.integers(min_value=0, max_value=300_000), amount=st.integers(min_value=100, max_value=50_000))
def test_the_daily_limit_is_never_passed(used, amount):
    limit = policy(daily_limit_amount_fen=200_000)

    check = merchant_route(order(paid_amount_fen=amount), limit, usage(used, 0))

    assert check.eligible is (used + amount <= 200_000)
