"""The merchant's policy rules through the API (docs/contract.md): set with the policy, each fault named; deciding
requests by first match; the deciding rule shown to the merchant and ops (views, workbench filter, dry run's
explanation) and never to the buyer; and a candidate policy tried on the merchant's history, in the background."""

from http import HTTPStatus

import pytest

from fastrefund.domain.clock import china_day, utc_now
from fastrefund.logic.policy_trials import TrialRun
from tests.support import (
    api_event,
    ask_refund,
    buyer,
    enrol_since,
    invoke,
    merchant,
    ops,
    paid_order_message,
    response_json,
    sqs_batch,
)

RULES = [
    {
        "rule_id": "small-apparel",
        "action": "AUTO_REFUND",
        "when": {
            "amount_fen": {"max": 9999},
            "categories": ["apparel"],
            "reason_codes": ["NO_LONGER_WANTED", "ORDERED_BY_MISTAKE"],
        },
    },
    {"rule_id": "electronics-to-review", "action": "REVIEW", "when": {"categories": ["electronics"]}},
]
POLICY = {"enabled": True, "max_refund_amount_fen": 50000, "daily_limit_amount_fen": 200000, "rules": RULES}
# (order, buyer, category, amount, reason code): what the merchant's rules decide of each
ORDERS = [
    ("o-1", "b-1", "apparel/women/dresses", 5900, "ORDERED_BY_MISTAKE"),  # small-apparel: auto-refunded
    ("o-2", "b-2", "electronics/phones", 25000, "NO_LONGER_WANTED"),  # electronics-to-review: review
    ("o-3", "b-3", "toys", 9900, "OTHER"),  # no rule holds: review
]


def set_policy(policy: dict, caller: dict | None = None) -> dict:
    request = api_event("merchants_api_put_auto_refund_policy", caller=caller or merchant(), body=policy)
    return invoke("merchants_api", request)


def settings() -> dict:
    return response_json(invoke("merchants_api", api_event("merchants_api_get_settings", caller=merchant())))


def decided_history() -> dict[str, dict]:
    """The three orders, paid without the badge (the merchant's policy decides them), each asked to refund."""
    enrol_since("2026-01-01T00:00:00+08:00")
    assert set_policy(POLICY)["statusCode"] == HTTPStatus.OK
    decided = {}
    for order_id, buyer_id, category, amount, reason_code in ORDERS:
        paid = paid_order_message(
            order_id=order_id, buyer_id=buyer_id, category_path=category, paid_amount_fen=amount,
            fast_refund_badge=False,
        )  # fmt: skip
        assert invoke("order_events", sqs_batch(paid)) == {"batchItemFailures": []}
        asked = ask_refund(order_id, caller=buyer(buyer_id), body={"reason_code": reason_code})
        assert asked["statusCode"] == HTTPStatus.CREATED, asked["body"]
        decided[order_id] = response_json(asked)
    return decided


def test_the_first_rule_that_holds_decides_and_only_the_merchant_and_ops_see_which(stack):
    decided = decided_history()

    assert {order_id: (refund["status"], refund["reasons"]) for order_id, refund in decided.items()} == {
        "o-1": ("AUTO_REFUNDED", []),
        "o-2": ("PENDING_REVIEW", ["NO_FAST_REFUND_BADGE", "POLICY_RULE_REVIEW"]),
        "o-3": ("PENDING_REVIEW", ["NO_FAST_REFUND_BADGE", "NO_POLICY_RULE_MATCHED"]),
    }
    assert {refund["policy_rule_id"] for refund in decided.values()} == {None}  # the buyers' own answers
    for caller in (merchant(), ops()):
        listed = invoke(
            "refund_requests_api", api_event("refund_requests_api_list", caller=caller, path={"order_id": "o-2"})
        )
        assert [seen["policy_rule_id"] for seen in response_json(listed)["refund_requests"]] == [
            "electronics-to-review"
        ]


def test_the_workbench_filters_by_the_deciding_rule(stack):
    decided_history()
    request = api_event("workbench_api_list_refunds", caller=merchant())
    request["queryStringParameters"] = {"policy_rule_id": "small-apparel"}
    request["multiValueQueryStringParameters"] = {"policy_rule_id": ["small-apparel"]}

    page = response_json(invoke("workbench_api", request))

    assert [(item["order_id"], item["policy_rule_id"]) for item in page["items"]] == [("o-1", "small-apparel")]


def test_the_dry_run_explains_the_rules_to_the_merchant_and_shows_the_buyer_only_reasons(stack):
    enrol_since("2026-01-01T00:00:00+08:00")
    set_policy(POLICY)
    paid = paid_order_message(category_path="toys", paid_amount_fen=9900, fast_refund_badge=False)
    invoke("order_events", sqs_batch(paid))

    def dry_run(caller: dict) -> dict:
        request = api_event("orders_api_eligibility", caller=caller, path={"order_id": "o-1"})
        return response_json(invoke("orders_api", request))

    merchant_check = dry_run(merchant())["checks"][1]
    buyer_check = dry_run(buyer())["checks"][1]

    assert merchant_check["rules"] == [
        {"rule_id": "small-apparel", "matched": False, "failed": ["CATEGORY_NOT_LISTED", "REASON_NOT_LISTED"]},
        {"rule_id": "electronics-to-review", "matched": False, "failed": ["CATEGORY_NOT_LISTED"]},
    ]
    assert merchant_check["reasons"] == buyer_check["reasons"] == ["NO_POLICY_RULE_MATCHED"]
    assert (buyer_check["rules"], buyer_check["policy_rule_id"]) == (None, None)


def one_rule(**when) -> list[dict]:
    return [{"rule_id": "a", "action": "REVIEW", "when": when}]


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ([{"rule_id": "a", "action": "REVIEW"}, {"rule_id": "a", "action": "AUTO_REFUND"}], "body.rules"),
        (one_rule(amount_fen={"min": 9, "max": 1}), "body.rules.0.when.amount_fen"),
        ([{"rule_id": "a", "action": "SHRUG"}], "body.rules.0.action"),
        (one_rule(product_types=["FOOD"]), "body.rules.0.when.product_types.0"),
        (one_rule(reason_codes=["BORED"]), "body.rules.0.when.reason_codes.0"),
        (one_rule(categories=["Toys"]), "body.rules.0.when.categories.0"),
        ([{"rule_id": f"r-{n}", "action": "REVIEW"} for n in range(51)], "body.rules"),
    ],
)
def test_a_fault_in_the_rules_is_422_naming_its_field_and_nothing_is_stored(stack, rules, field):
    set_policy(POLICY)

    answer = set_policy(POLICY | {"rules": rules})

    assert answer["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert [detail["field"] for detail in response_json(answer)["error"]["details"]] == [field]
    assert [rule["rule_id"] for rule in settings()["auto_refund_policy"]["rules"]] == [
        "small-apparel",
        "electronics-to-review",
    ]


def start_trial(body: dict, caller: dict | None = None) -> dict:
    request = api_event("merchants_api_start_policy_trial", caller=caller or merchant(), body=body)
    return invoke("merchants_api", request)


def trial_result(trial_id: str, caller: dict | None = None) -> dict:
    request = api_event(
        "merchants_api_get_policy_trial", caller=caller or merchant(), path={"merchant_id": "m-1", "trial_id": trial_id}
    )
    return invoke("merchants_api", request)


def run_queued_trials(stack) -> list[dict]:
    """What the trials queue holds, run by the background function as Lambda would hand it over."""
    url, outcomes = stack.resolve.refs["MerchantReportsQueue"], []
    while messages := stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            outcomes.append(invoke("merchant_reports", sqs_batch(message["Body"])))
            stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return outcomes


def test_a_candidate_policy_is_tried_on_the_merchants_history_with_the_days_usage_recomputed(stack):
    decided_history()
    today = china_day(utc_now()).isoformat()
    # Everything auto-refunded, within 30,000 fen a day: o-1 (5,900), then o-2 (25,000) would pass the limit
    candidate = POLICY | {"daily_limit_amount_fen": 30000, "rules": [{"rule_id": "all", "action": "AUTO_REFUND"}]}

    started = start_trial({"policy": candidate, "from": today, "to": today})

    assert started["statusCode"] == HTTPStatus.ACCEPTED, started["body"]
    trial = response_json(started)
    assert started["multiValueHeaders"]["Location"] == [f"/merchants/m-1/auto-refund-policy/trials/{trial['trial_id']}"]
    assert (trial["status"], trial["from"], trial["to"], trial["result"]) == ("RUNNING", today, today, None)
    assert run_queued_trials(stack) == [{"finished": 1}]
    assert run_queued_trials(stack) == []

    finished = response_json(trial_result(trial["trial_id"]))

    assert finished["status"] == "READY"
    assert finished["result"] == {
        "decisions": 3,
        "superseded": 0,
        "rules": [
            {
                "rule_id": "all",
                "requests": {"count": 3, "amount_fen": 40800},
                "auto_refunded": {"count": 2, "amount_fen": 15800},
                "to_review": {"count": 1, "amount_fen": 25000},
            },
            {
                "rule_id": None,
                "requests": {"count": 0, "amount_fen": 0},
                "auto_refunded": {"count": 0, "amount_fen": 0},
                "to_review": {"count": 0, "amount_fen": 0},
            },
        ],
        "auto_refunded_to_review": {"decisions": 0, "amount_fen": 0, "example_order_ids": []},
        "review_to_auto_refunded": {"decisions": 1, "amount_fen": 9900, "example_order_ids": ["o-3"]},
        "daily_limit_bound_on": [today],
    }
    assert settings()["auto_refund_policy"]["rules"][0]["rule_id"] == "small-apparel"  # a trial saves nothing


def test_a_trial_run_delivered_twice_finishes_once(stack):
    decided_history()
    today = china_day(utc_now()).isoformat()
    trial = response_json(start_trial({"policy": POLICY, "from": today, "to": today}))
    run = TrialRun(merchant_id="m-1", trial_id=trial["trial_id"]).model_dump_json()

    assert invoke("merchant_reports", sqs_batch(run)) == {"finished": 1}
    first = response_json(trial_result(trial["trial_id"]))
    assert invoke("merchant_reports", sqs_batch(run)) == {"finished": 0}
    assert response_json(trial_result(trial["trial_id"])) == first


@pytest.mark.parametrize(
    ("period", "issue"),
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, "from is after to"),
        ({"from": "2026-09-01", "to": "2026-12-03"}, "longer than 93"),  # 94 China days
    ],
)
def test_a_period_upside_down_or_too_long_is_422_and_no_trial_starts(stack, period, issue):
    answer = start_trial({"policy": POLICY} | period)

    assert answer["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert issue in response_json(answer)["error"]["details"][0]["issue"]
    assert run_queued_trials(stack) == []


def test_another_merchants_trials_are_refused_and_an_unknown_trial_is_not_found(stack):
    body = {"policy": POLICY, "from": "2026-11-01", "to": "2026-11-30"}

    assert start_trial(body, caller=merchant("m-2"))["statusCode"] == HTTPStatus.FORBIDDEN
    assert start_trial(body, caller=buyer())["statusCode"] == HTTPStatus.FORBIDDEN
    trial_id = response_json(start_trial(body))["trial_id"]
    assert trial_result(trial_id, caller=merchant("m-2"))["statusCode"] == HTTPStatus.FORBIDDEN
    assert trial_result(trial_id, caller=ops())["statusCode"] == HTTPStatus.OK
    unknown = trial_result("no-such-trial")
    assert (unknown["statusCode"], response_json(unknown)["error"]["code"]) == (
        HTTPStatus.NOT_FOUND,
        "TRIAL_NOT_FOUND",
    )
