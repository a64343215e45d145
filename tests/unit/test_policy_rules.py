"""The merchant's policy rules: first match, the one daily limit, the policy-wide checks first, validation, and
the engine against a plain top-down reading of the rules over many random policies."""

import os
import random

import pytest
from pydantic import ValidationError

from devtools.factories import PAID_AT, default_rulebook, merchant, order, policy, usage
from fastrefund.domain.models.common import ProductType, Reason, RefundReasonCode, Route
from fastrefund.domain.models.merchant import AutoRefundPolicy, RuleMiss
from fastrefund.domain.models.order import Order
from fastrefund.domain.rules import RouteCheck, decide, platform_check

SPEC_RULES = [
    {
        "rule_id": "small-apparel",
        "action": "AUTO_REFUND",
        "when": {
            "amount_fen": {"min": 0, "max": 9999},
            "categories": ["apparel"],
            "reason_codes": ["NO_LONGER_WANTED", "ORDERED_BY_MISTAKE"],
        },
    },
    {"rule_id": "electronics-to-review", "action": "REVIEW", "when": {"categories": ["electronics"]}},
    {"rule_id": "up-to-300", "enabled": False, "action": "AUTO_REFUND", "when": {"amount_fen": {"max": 30000}}},
]


def merchant_check(order_: Order, policy_: AutoRefundPolicy, reason_code=RefundReasonCode.OTHER, used=None):
    """The merchant route's answer for an order the platform guarantee does not cover (no badge)."""
    unbadged = order_.model_copy(update={"badge_at_payment": False})
    platform = platform_check(unbadged, default_rulebook(), PAID_AT)
    return decide(unbadged, platform, merchant(policy_), used or usage(), reason_code).checks[1]


def test_cheap_apparel_bought_by_mistake_is_refunded_at_once_by_its_rule():
    check = merchant_check(
        order(paid_amount_fen=5900, category_path="apparel/women/dresses"),
        policy(rules=SPEC_RULES),
        RefundReasonCode.ORDERED_BY_MISTAKE,
    )

    assert (check.eligible, check.policy_rule_id, check.reasons) == (True, "small-apparel", [])
    assert [trace.model_dump() for trace in check.rules or []] == [
        {"rule_id": "small-apparel", "matched": True, "failed": []}
    ]


def test_electronics_always_go_to_review_and_the_dry_run_says_why_the_rules_before_failed():
    check = merchant_check(order(paid_amount_fen=25000, category_path="electronics/phones"), policy(rules=SPEC_RULES))

    assert (check.eligible, check.policy_rule_id, check.reasons) == (
        False,
        "electronics-to-review",
        [Reason.POLICY_RULE_REVIEW],
    )
    assert [(trace.rule_id, trace.matched, trace.failed) for trace in check.rules or []] == [
        (
            "small-apparel",
            False,
            [RuleMiss.AMOUNT_OUTSIDE_BAND, RuleMiss.CATEGORY_NOT_LISTED, RuleMiss.REASON_NOT_LISTED],
        ),
        ("electronics-to-review", True, []),
    ]


def test_a_disabled_rule_never_decides_and_no_rule_holding_sends_to_review():
    check = merchant_check(order(paid_amount_fen=9900, category_path="toys"), policy(rules=SPEC_RULES))

    assert (check.eligible, check.policy_rule_id, check.reasons) == (False, None, [Reason.NO_POLICY_RULE_MATCHED])
    assert check.rules is not None
    assert check.rules[-1].model_dump() == {"rule_id": "up-to-300", "matched": False, "failed": ["RULE_DISABLED"]}


def test_an_order_without_a_category_matches_no_category_list():
    rules = [{"rule_id": "apparel", "action": "AUTO_REFUND", "when": {"categories": ["apparel"]}}]

    check = merchant_check(order(category_path=None), policy(rules=rules))

    assert check.reasons == [Reason.NO_POLICY_RULE_MATCHED]
    assert check.rules is not None and check.rules[0].failed == [RuleMiss.CATEGORY_NOT_LISTED]


@pytest.mark.parametrize(
    ("category_path", "holds"),
    [("apparel", True), ("apparel/women", True), ("apparel/women/dresses", True), ("apparel-kids", False)],
)
def test_a_listed_category_holds_for_itself_and_every_category_below_it(category_path, holds):
    rules = [{"rule_id": "apparel", "action": "AUTO_REFUND", "when": {"categories": ["apparel"]}}]

    check = merchant_check(order(category_path=category_path), policy(rules=rules))

    assert check.eligible is holds


def test_a_binding_daily_limit_sends_to_review_never_to_a_later_rule():
    rules = [
        {"rule_id": "first", "action": "AUTO_REFUND", "when": {"amount_fen": {"max": 30000}}},
        {"rule_id": "later", "action": "AUTO_REFUND"},
    ]
    almost_full = usage(amount_fen=200000 - 19899)

    check = merchant_check(order(paid_amount_fen=19900), policy(rules=rules), used=almost_full)

    assert (check.eligible, check.policy_rule_id, check.reasons) == (False, "first", [Reason.DAILY_LIMIT_REACHED])


def test_the_policy_wide_checks_come_first_and_the_rules_are_still_explained():
    always = [{"rule_id": "always", "action": "AUTO_REFUND"}]

    check = merchant_check(order(paid_amount_fen=60000), policy(rules=always))

    assert check.eligible is False
    assert check.reasons == [Reason.AMOUNT_OVER_POLICY_LIMIT]
    assert check.policy_rule_id == "always"


def test_a_policy_without_rules_decides_as_it_always_did():
    check = merchant_check(order(paid_amount_fen=19900), policy(), used=usage(amount_fen=200000 - 19899))

    assert (check.reasons, check.policy_rule_id, check.rules) == ([Reason.DAILY_LIMIT_REACHED], None, None)


def one_rule(**when) -> list[dict]:
    return [{"rule_id": "a", "action": "REVIEW", "when": when}]


@pytest.mark.parametrize(
    ("rules", "field", "says"),
    [
        ([{"rule_id": "a", "action": "REVIEW"}, {"rule_id": "a", "action": "REVIEW"}], ("rules",), "rules 0 and 1"),
        (one_rule(amount_fen={"min": 200, "max": 100}), ("rules", 0, "when", "amount_fen"), "min (200) is above max"),
        ([{"rule_id": "a", "action": "REFUND"}], ("rules", 0, "action"), "AUTO_REFUND"),
        (one_rule(product_types=["FOOD"]), ("rules", 0, "when", "product_types", 0), "PHYSICAL"),
        (one_rule(reason_codes=["BORED"]), ("rules", 0, "when", "reason_codes", 0), "OTHER"),
        (one_rule(categories=["Apparel"]), ("rules", 0, "when", "categories", 0), "pattern"),
        (one_rule(categories=["a/b/c/d/e/f/g"]), ("rules", 0, "when", "categories", 0), "pattern"),
        (one_rule(categories=[]), ("rules", 0, "when", "categories"), "at least 1"),
        ([{"rule_id": f"r{n}", "action": "REVIEW"} for n in range(51)], ("rules",), "at most 50"),
        ([{"rule_id": "a b", "action": "REVIEW"}], ("rules", 0, "rule_id"), "pattern"),
        (one_rule(colour=["red"]), ("rules", 0, "when", "colour"), "not permitted"),
    ],
)
def test_every_fault_in_the_rules_names_its_field(rules, field, says):
    with pytest.raises(ValidationError) as refused:
        policy(rules=rules)

    errors = refused.value.errors()
    assert [error["loc"] for error in errors] == [field]
    assert says in errors[0]["msg"]


# The engine against a reference: the rules read top down, as a merchant would read them.

CATEGORIES = ["apparel", "apparel/women", "apparel/women/dresses", "electronics", "electronics/phones", "toys"]
PRODUCTS = ["p-1", "p-2", "p-3"]
CASES = int(os.environ.get("POLICY_RULE_CASES", "5000"))  # 100,000 with POLICY_RULE_CASES (make soak)


def reference(order_: Order, policy_: AutoRefundPolicy, reason_code: RefundReasonCode, used) -> tuple:
    """(approved, rule id, reasons) of the merchant route, written from docs/rules.md without the engine."""
    reasons = []
    if not policy_.enabled:
        reasons.append(Reason.POLICY_DISABLED)
    if not policy_.product_scope.covers(order_.product_id):
        reasons.append(Reason.PRODUCT_NOT_IN_POLICY_SCOPE)
    if order_.product_type == ProductType.VIRTUAL and not policy_.include_virtual:
        reasons.append(Reason.VIRTUAL_GOODS)
    if order_.paid_amount_fen > policy_.max_refund_amount_fen:
        reasons.append(Reason.AMOUNT_OVER_POLICY_LIMIT)
    over_limit = used.amount_fen + order_.paid_amount_fen > policy_.daily_limit_amount_fen
    deciding = None
    for rule in policy_.rules:
        when = rule.when
        band = when.amount_fen
        holds = (
            rule.enabled
            and (band is None or band.min is None or order_.paid_amount_fen >= band.min)
            and (band is None or band.max is None or order_.paid_amount_fen <= band.max)
            and (
                when.categories is None
                or any(
                    order_.category_path is not None and (order_.category_path + "/").startswith(category + "/")
                    for category in when.categories
                )
            )
            and (when.product_types is None or order_.product_type in when.product_types)
            and (when.product_ids is None or order_.product_id in when.product_ids)
            and (when.reason_codes is None or reason_code in when.reason_codes)
        )
        if holds:
            deciding = rule
            break
    if not policy_.rules:
        reasons += [Reason.DAILY_LIMIT_REACHED] if over_limit else []
    elif deciding is None:
        reasons.append(Reason.NO_POLICY_RULE_MATCHED)
    elif deciding.action == "REVIEW":
        reasons.append(Reason.POLICY_RULE_REVIEW)
    elif over_limit:
        reasons.append(Reason.DAILY_LIMIT_REACHED)
    return not reasons, deciding.rule_id if deciding else None, reasons


def random_rule(draw: random.Random, number: int) -> dict:
    when: dict = {}
    if draw.random() < 0.5:
        low, high = sorted(draw.randrange(0, 60000, 100) for _ in range(2))
        when["amount_fen"] = {key: value for key, value in (("min", low), ("max", high)) if draw.random() < 0.7}
    if draw.random() < 0.4:
        when["categories"] = draw.sample(CATEGORIES, draw.randint(1, 3))
    if draw.random() < 0.3:
        when["product_types"] = draw.sample(list(ProductType), draw.randint(1, 2))
    if draw.random() < 0.3:
        when["product_ids"] = draw.sample(PRODUCTS, draw.randint(1, 2))
    if draw.random() < 0.4:
        when["reason_codes"] = draw.sample(list(RefundReasonCode), draw.randint(1, 3))
    rule = {"rule_id": f"r-{number}", "action": draw.choice(["AUTO_REFUND", "REVIEW"]), "when": when}
    if draw.random() < 0.15:
        rule["enabled"] = False
    return rule


def test_the_engine_decides_as_the_rules_read_top_down_over_random_policies_and_orders():
    draw = random.Random(20261207)
    rulebook = default_rulebook()
    decided = {"auto": 0, "rule review": 0, "no rule": 0, "limit": 0}
    for _ in range(CASES):
        rules = [random_rule(draw, number) for number in range(draw.choice([0, 1, 3, 10, 50]))]
        policy_ = policy(
            enabled=draw.random() < 0.9,
            max_refund_amount_fen=draw.choice([10000, 50000]),
            include_virtual=draw.random() < 0.5,
            rules=rules,
        )
        order_ = order(
            paid_amount_fen=draw.randrange(0, 60000, 100),
            category_path=draw.choice([None, *CATEGORIES, "apparel-kids"]),
            product_type=draw.choice(list(ProductType)),
            product_id=draw.choice(PRODUCTS),
            badge_at_payment=False,
        )
        reason_code = draw.choice(list(RefundReasonCode))
        used = usage(amount_fen=draw.choice([0, 150000, 199000]))

        platform: RouteCheck = platform_check(order_, rulebook, PAID_AT)
        decision = decide(order_, platform, merchant(policy_), used, reason_code)
        check = decision.checks[1]

        expected = reference(order_, policy_, reason_code, used)
        assert (check.eligible, check.policy_rule_id, check.reasons) == expected, (policy_, order_, reason_code)
        assert (decision.approved.route if decision.approved else None) == (
            Route.MERCHANT_AUTO_REFUND if expected[0] else None
        )
        for outcome, reason in (("rule review", Reason.POLICY_RULE_REVIEW), ("no rule", Reason.NO_POLICY_RULE_MATCHED)):
            decided[outcome] += reason in check.reasons
        decided["limit"] += Reason.DAILY_LIMIT_REACHED in check.reasons
        decided["auto"] += check.eligible
    # every outcome was met often enough for the comparison to mean something
    assert min(decided.values()) > CASES // 50, decided
