"""The after-sales workbench list: filters, date bounds, pagination and cursors bound to a merchant."""

from datetime import datetime, timedelta
from http import HTTPStatus

import pytest

from fastrefund.domain.models.refund import DecisionInputs, Refund
from fastrefund.platform.config import Config, settings
from fastrefund.repositories import dynamo, refund_items
from tests.support import api_event, invoke, merchant, ops, response_json

START = datetime.fromisoformat("2026-11-20T09:00:00+08:00")


def seed(merchant_id: str, count: int, first: int = 0) -> list[Refund]:
    """Refund records one hour apart; every third goes to review, every other one by the merchant policy."""
    refunds = []
    for n in range(first, first + count):
        at = START + timedelta(hours=n)
        auto = n % 3 != 2
        refund = Refund(
            refund_id=f"r-{merchant_id}-{n}",
            order_id=f"o-{merchant_id}-{n}",
            merchant_id=merchant_id,
            buyer_id="b-1",
            status="AUTO_REFUNDED" if auto else "PENDING_REVIEW",
            route=("PLATFORM_FAST_REFUND" if n % 2 == 0 else "MERCHANT_AUTO_REFUND") if auto else None,
            rule_version="2023-09-13",
            amount_fen=10000 + n,
            reasons=[] if auto else ["AMOUNT_OVER_LIMIT", "POLICY_DISABLED"],
            requested_at=at,
            decided_at=at,
            inputs=DecisionInputs(
                paid_amount_fen=10000 + n,
                paid_at=at,
                product_id="p-1",
                product_type="PHYSICAL",
                badge_at_payment=True,
                rule_version="2023-09-13",
            ),
        )
        item = dynamo.encode(refund_items.to_item(refund))  # the stored request alone seeds the list
        dynamo.client().put_item(TableName=settings(Config).refunds_table, Item=item)
        refunds.append(refund)
    return refunds


def listing(merchant_id="m-1", caller=None, **query):
    request = api_event(
        "workbench_api_list_refunds", caller=caller or merchant(merchant_id), path={"merchant_id": merchant_id}
    )
    request["queryStringParameters"] = {name: str(value) for name, value in query.items()} or None
    request["multiValueQueryStringParameters"] = {name: [str(value)] for name, value in query.items()} or None
    return invoke("workbench_api", request)


def all_pages(merchant_id="m-1", **query) -> tuple[list[dict], int]:
    items, pages, cursor = [], 0, None
    while True:
        body = response_json(listing(merchant_id, **query, **({"cursor": cursor} if cursor else {})))
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages


def test_pages_go_newest_first_through_every_refund_once(stack):
    seeded = seed("m-1", 25)
    seed("m-2", 5)

    items, pages = all_pages(limit=10)

    assert pages >= 3
    assert [item["refund_id"] for item in items] == [r.refund_id for r in reversed(seeded)]
    assert items[0]["decided_at"] == "2026-11-21T09:00:00+08:00"


def test_filters_by_route_status_and_dates(stack):
    seeded = seed("m-1", 30)

    items, _ = all_pages(
        route="PLATFORM_FAST_REFUND",
        status="AUTO_REFUNDED",
        **{"from": "2026-11-20T12:00:00+08:00", "to": "2026-11-21T02:00:00+08:00"},
        limit=3,
    )

    expected = [
        r.refund_id
        for r in reversed(seeded)
        if r.route == "PLATFORM_FAST_REFUND"
        and datetime.fromisoformat("2026-11-20T12:00:00+08:00")
        <= r.decided_at
        <= datetime.fromisoformat("2026-11-21T02:00:00+08:00")
    ]
    assert expected
    assert [item["refund_id"] for item in items] == expected


def test_review_items_can_be_listed_alone(stack):
    seed("m-1", 9)

    items, _ = all_pages(status="PENDING_REVIEW")

    assert [item["status"] for item in items] == ["PENDING_REVIEW"] * 3
    assert all(item["route"] is None for item in items)


@pytest.mark.parametrize("limit", [0, 101, -1, "ten"])
def test_limit_is_1_to_100(stack, limit):
    response = listing(limit=limit)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response_json(response)["error"]["details"][0]["field"] == "query.limit"


@pytest.mark.parametrize("query", [{"route": "SOMETHING"}, {"status": "DONE"}, {"from": "yesterday"}])
def test_unknown_filters_are_refused(stack, query):
    assert listing(**query)["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY


def test_a_cursor_of_merchant_a_is_refused_for_merchant_b(stack):
    seed("m-1", 5)
    seed("m-2", 5)
    cursor = response_json(listing("m-1", limit=2))["next_cursor"]

    response = listing("m-2", cursor=cursor)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert [detail["field"] for detail in response_json(response)["error"]["details"]] == ["query.cursor"]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJtIjoibS0xIn0", "e30", "%%%"])
def test_a_tampered_cursor_is_refused(stack, cursor):
    seed("m-1", 3)

    response = listing(cursor=cursor)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response_json(response)["error"]["code"] == "INVALID_CURSOR"


def test_only_the_merchant_and_ops_see_the_list(stack):
    seed("m-1", 2)

    assert listing(caller=merchant("m-2"))["statusCode"] == HTTPStatus.FORBIDDEN
    assert listing(caller=merchant("m-1", role="erp"))["statusCode"] == HTTPStatus.FORBIDDEN  # merchant and ops only
    assert len(response_json(listing(caller=ops()))["items"]) == 2


def test_refunds_stored_before_the_workbench_index_are_listed_once_backfilled(stack):
    from scripts.backfill_workbench_index import backfill

    seeded = seed("m-1", 6)
    table = settings(Config).refunds_table
    for refund in seeded[:4]:  # as the release before this index stored them
        dynamo.client().update_item(
            TableName=table,
            Key=dynamo.encode({"order_id": refund.order_id, "refund_id": refund.refund_id}),
            UpdateExpression="REMOVE workbench_key, workbench_at, policy_counter",
        )
    assert [item["refund_id"] for item in all_pages()[0]] == [r.refund_id for r in reversed(seeded[4:])]

    assert backfill(table) == (4, 2)
    assert backfill(table) == (0, 6)  # a second run changes nothing

    assert [item["refund_id"] for item in all_pages()[0]] == [r.refund_id for r in reversed(seeded)]
