"""Ops' view of one buyer (GET /buyers/{buyer_id}/refund-requests): the requests newest first, paged with signed
cursors, the window's usage against the rules' buyer limits, and the risk flag."""

import json
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

from fastrefund.domain.models.buyer import BuyerFlag
from fastrefund.repositories.store import get_store
from tests.support import api_event, buyer, enrol_since, invoke, merchant, ops, pay, response_json, sqs_batch

NOW = datetime.now(UTC)


def listing(caller: dict, buyer_id: str = "b-1", **query: str) -> dict:
    request = api_event("workbench_api_buyer_refunds", caller=caller, path={"buyer_id": buyer_id})
    request["queryStringParameters"] = query or None
    request["multiValueQueryStringParameters"] = {name: [value] for name, value in query.items()} or None
    return invoke("workbench_api", request)


def refund(order_id: str, buyer_id: str = "b-1") -> dict:
    request = api_event("orders_api_refund_request", caller=buyer(buyer_id), path={"order_id": order_id}, body={})
    return response_json(invoke("orders_api", request))


def test_ops_walk_a_buyers_requests_newest_first_with_the_usage_and_the_flag(stack):
    # Given rules that limit a buyer to 3 automatic refunds in 30 days, and 5 of b-1's orders refunded
    rules = json.loads(stack.template.resources["RulesParameter"]["Properties"]["Value"])
    limits = {"window_days": 30, "max_auto_refunds": 3, "max_auto_refund_fen": None}
    parameter = stack.resolve.refs["RulesParameter"]
    stack.ssm.put_parameter(Name=parameter, Value=json.dumps(rules | {"buyer_limits": limits}), Overwrite=True)
    enrol_since("2026-01-01T00:00:00+08:00")  # the merchant's orders carry the badge
    for n in range(5):
        pay(order_id=f"o-{n}", paid_at=(NOW - timedelta(minutes=10 - n)).isoformat())
    made = [refund(f"o-{n}") for n in range(5)]
    pay(order_id="o-other", buyer_id="b-2", paid_at=NOW.isoformat())
    refund("o-other", "b-2")
    get_store().buyers.record_flag(BuyerFlag(buyer_id="b-1", flagged=True, at=NOW, reason_code="WATCH"))

    # When ops walk b-1's requests two at a time
    items, pages, cursor = [], [], None
    while True:
        answer = listing(ops(), limit="2", **({"cursor": cursor} if cursor else {}))
        assert answer["statusCode"] == HTTPStatus.OK, answer
        page = response_json(answer)
        pages.append(page)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # Then every request of b-1 comes once, newest first, and none of b-2's
    assert [item["refund_id"] for item in items] == [r["refund_id"] for r in reversed(made)]
    assert [r["status"] for r in made] == ["AUTO_REFUNDED"] * 3 + ["PENDING_REVIEW"] * 2
    # with the window's usage against the limits, and the flag in force
    assert pages[0]["usage"] == {
        "window_days": 30, "auto_refunds": 3, "auto_refund_fen": 3 * 19_900, "max_auto_refunds": 3,
        "max_auto_refund_fen": None,
    }  # fmt: skip
    assert pages[0]["flag"]["flagged"] is True and pages[0]["flag"]["reason_code"] == "WATCH"


def test_only_ops_may_look_at_a_buyer(stack):
    for caller in (buyer("b-1"), merchant("m-1")):
        answer = listing(caller)
        assert (answer["statusCode"], response_json(answer)["error"]["code"]) == (HTTPStatus.FORBIDDEN, "FORBIDDEN")


def test_a_cursor_for_one_buyer_is_refused_for_another(stack):
    for n in range(3):
        pay(order_id=f"o-{n}", paid_at=(NOW - timedelta(minutes=5 - n)).isoformat())
        refund(f"o-{n}")
    cursor = response_json(listing(ops(), limit="1"))["next_cursor"]

    answer = listing(ops(), buyer_id="b-2", cursor=cursor)

    assert (answer["statusCode"], response_json(answer)["error"]["code"]) == (422, "INVALID_CURSOR")


def test_a_risk_flag_sent_on_the_queue_shows_on_the_buyer(stack):
    event = {"type": "BUYER_RISK_FLAGGED", "buyer_id": "b-9", "reason_code": "R", "flagged_at": NOW.isoformat()}
    assert invoke("order_events", sqs_batch(event)) == {"batchItemFailures": []}

    flag = response_json(listing(ops(), buyer_id="b-9"))["flag"]

    assert (flag["flagged"], flag["reason_code"], flag["expires_at"]) == (True, "R", None)
