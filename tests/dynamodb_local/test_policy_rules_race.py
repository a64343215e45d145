"""The merchant's rules share one daily limit, counted atomically (DynamoDB Local, processes at once): under a
5-rule policy whose limit admits exactly 5 refunds, 16 requests of one merchant, decided by two different
AUTO_REFUND rules, give exactly 5 auto-refunds and 11 DAILY_LIMIT_REACHED (never a later rule), and the day's
usage holds exactly the refunds made. 8 processes race two rounds of 8; `make soak` races all 16 at once."""

from collections import Counter
from datetime import datetime
from http import HTTPStatus

import pytest

from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.models.merchant import AutoRefundPolicy
from fastrefund.repositories.store import get_store
from tests.dynamodb_local import workers
from tests.dynamodb_local.test_atomicity import pay

RULES = [
    {"rule_id": "tiny-to-review", "action": "REVIEW", "when": {"amount_fen": {"max": 99}}},
    {"rule_id": "electronics-to-review", "action": "REVIEW", "when": {"categories": ["electronics"]}},
    {"rule_id": "switched-off", "enabled": False, "action": "AUTO_REFUND"},
    {"rule_id": "apparel-by-mistake", "action": "AUTO_REFUND",
     "when": {"categories": ["apparel"], "reason_codes": ["ORDERED_BY_MISTAKE"]}},
    {"rule_id": "the-rest", "action": "AUTO_REFUND", "when": {"amount_fen": {"max": 50000}}},
]  # fmt: skip
REQUESTS = 16
ADMITTED = 5


@pytest.mark.parametrize("at_once", [pytest.param(8), pytest.param(16, marks=pytest.mark.soak)])
def test_the_rules_one_daily_limit_admits_exactly_its_count_under_concurrency(request, at_once):
    racers = request.getfixturevalue("pool" if at_once == 8 else "wide_pool")
    merchant_id = f"m-rules-{at_once}"
    orders = [
        {
            "order_id": f"o-rules-{at_once}-{n}", "merchant_id": merchant_id, "buyer_id": f"b-rules-{n}",
            "paid_amount_fen": 10_000 + n, "category_path": "apparel/women/dresses", "fast_refund_badge": False,
        }
        for n in range(REQUESTS)
    ]  # fmt: skip
    pay(orders)
    policy = AutoRefundPolicy.model_validate(
        {"enabled": True, "max_refund_amount_fen": 50_000, "daily_limit_amount_fen": 10**9,
         "daily_limit_count": ADMITTED, "rules": RULES}
    )  # fmt: skip
    get_store().merchants.set_auto_refund_policy(merchant_id, policy, utc_now())

    # When every buyer asks, half of them "ordered by mistake" (the fourth rule), the rest for another reason
    # (the fifth), `at_once` requests in flight together
    calls = [
        (workers.ask_refund, order["order_id"], order["buyer_id"], "ORDERED_BY_MISTAKE" if n % 2 else "OTHER")
        for n, order in enumerate(orders)
    ]
    rounds = [racers.race(*calls[first : first + at_once]) for first in range(0, REQUESTS, at_once)]
    assert all(workers.overlapped(timings) for timings in rounds), "each round's calls were in flight together"
    answers = [timed.answer for timings in rounds for timed in timings]

    # Then exactly 5 are auto-refunded, the 11 others go to review for the limit, each under the rule that held
    assert Counter(status for status, _ in answers) == {HTTPStatus.CREATED: REQUESTS}
    bodies = [body for _, body in answers]
    approved = [body for body in bodies if body["status"] == "AUTO_REFUNDED"]
    limited = [body for body in bodies if body["reasons"] == ["NO_FAST_REFUND_BADGE", "DAILY_LIMIT_REACHED"]]
    print(f"\n{at_once} at once: {len(approved)} auto-refunded, {len(limited)} to review for the daily limit")
    assert (len(approved), len(limited)) == (ADMITTED, REQUESTS - ADMITTED)
    [day] = {china_day(datetime.fromisoformat(body["decided_at"])) for body in bodies}
    _, used = get_store().merchants.get_with_usage(merchant_id, day)
    assert (used.count, used.amount_fen) == (ADMITTED, sum(body["amount_fen"] for body in approved))
    stored = {refund.order_id: refund for refund in get_store().refund_lists.decided_between(
        merchant_id, utc_now().replace(year=2000), utc_now())}  # fmt: skip
    for n, order in enumerate(orders):
        expected_rule = "apparel-by-mistake" if n % 2 else "the-rest"
        assert stored[order["order_id"]].policy_rule_id == expected_rule
