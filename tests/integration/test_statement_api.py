"""A refunded order's parcel that left anyway, and the merchant's fast-refund statement, through the handlers
(docs/contract.md): the parcel's routes and roles, a shipment refused for a refund counted as stopped, and the
statement kept from the refunds table's stream, as the payout publisher reads it."""

import csv
import io
import json
from datetime import timedelta
from http import HTTPStatus

import boto3
import pytest

from fastrefund.domain.clock import china_day, utc_now
from tests.support import (
    api_event,
    ask_refund,
    buyer,
    enrol_since,
    event,
    invoke,
    merchant,
    ops,
    pay,
    response_json,
    shipped_message,
    sqs_batch,
)

PARCEL = {"carrier": "SF", "tracking_number": "SF2001", "shipped_at": "2026-11-26T11:00:00+08:00"}


def parcel(method: str, order_id: str = "o-1", caller: dict | None = None, body: dict | None = None) -> dict:
    sample = {"POST": "record_parcel", "PUT": "parcel_outcome", "GET": "get_parcel"}[method]
    request = api_event(f"refund_requests_api_{sample}", caller=caller or merchant(), path={"order_id": order_id})
    if body is not None:
        request["body"] = json.dumps(body)
    return invoke("refund_requests_api", request)


def refunded_o1_and_o2_in_review() -> str:
    """o-1 auto-refunded by the platform (199 yuan); o-2 (450 yuan) in review: its refund id."""
    enrol_since("2026-01-01T00:00:00+08:00")
    pay(paid_at=utc_now().isoformat())
    pay(order_id="o-2", paid_amount_fen=45000, paid_at=utc_now().isoformat())
    assert response_json(ask_refund())["status"] == "AUTO_REFUNDED"
    in_review = response_json(ask_refund("o-2"))
    assert in_review["status"] == "PENDING_REVIEW"
    return in_review["refund_id"]


def test_a_parcel_after_refund_is_recorded_once_and_its_outcome_once(stack):
    refunded_o1_and_o2_in_review()

    recorded = parcel("POST", body=PARCEL)
    again = parcel("POST", body=PARCEL | {"tracking_number": "SF9999"})
    lost = parcel("PUT", body={"outcome": "LOST"})
    same = parcel("PUT", body={"outcome": "LOST"})
    other = parcel("PUT", body={"outcome": "RETURNED"})

    assert recorded["statusCode"] == HTTPStatus.CREATED, recorded["body"]
    assert (again["statusCode"], response_json(again)["tracking_number"]) == (HTTPStatus.OK, "SF2001")
    assert (response_json(lost)["outcome"], response_json(lost)["amount_fen"]) == ("LOST", 19900)
    assert same["statusCode"] == HTTPStatus.OK
    refused = (other["statusCode"], response_json(other)["error"]["code"])
    assert refused == (HTTPStatus.CONFLICT, "PARCEL_OUTCOME_RECORDED")
    assert response_json(parcel("GET", caller=ops()))["outcome"] == "LOST"


@pytest.mark.parametrize(
    ("order_id", "caller", "status", "code"),
    [
        ("o-2", merchant(), HTTPStatus.CONFLICT, "ORDER_NOT_REFUNDED"),  # in review: not refunded
        ("o-1", merchant("m-2"), HTTPStatus.NOT_FOUND, "ORDER_NOT_FOUND"),  # another merchant's order
        ("o-1", buyer(), HTTPStatus.FORBIDDEN, "FORBIDDEN"),  # the buyer of the order
        ("o-9", merchant(), HTTPStatus.NOT_FOUND, "ORDER_NOT_FOUND"),
    ],
)
def test_a_parcel_is_refused_for_an_order_not_refunded_or_not_the_callers(stack, order_id, caller, status, code):
    refunded_o1_and_o2_in_review()

    answer = parcel("POST", order_id, caller, PARCEL)

    assert (answer["statusCode"], response_json(answer)["error"]["code"]) == (status, code)
    assert parcel("GET")["statusCode"] == HTTPStatus.NOT_FOUND  # o-1's parcel: none recorded


def stream_to_the_payout_publisher(stack, first_sequence: int = 1, leaving_out: str | None = None) -> None:
    """Each refund as the table holds it now, as a stream record (moto has no stream to read) handed to the payout
    publisher, which keeps the statement; sequence numbers from `first_sequence`; `leaving_out` an order's."""
    items = stack.dynamodb.scan(TableName=stack.table("RefundsTable"))["Items"]
    items = [item for item in items if item["order_id"]["S"] != leaving_out]
    sample = event("payout_publisher_pending_payouts")["Records"][0]
    records = [
        sample | {"eventName": "MODIFY", "dynamodb": {"NewImage": item, "SequenceNumber": str(first_sequence + n)}}
        for n, item in enumerate(items)
    ]
    assert invoke("payout_publisher", {"Records": records}) == {"batchItemFailures": []}


def statement(caller: dict | None = None, merchant_id: str = "m-1", query: dict | None = None) -> dict:
    today = china_day(utc_now())
    request = api_event("workbench_api_statement", caller=caller or merchant(), path={"merchant_id": merchant_id})
    query = query or {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    request["queryStringParameters"] = query
    request["multiValueQueryStringParameters"] = {name: [value] for name, value in query.items()}
    return invoke("workbench_api", request)


def test_the_statement_shows_the_days_refunds_reviews_shipments_stopped_and_parcels(stack):
    in_review = refunded_o1_and_o2_in_review()
    path = {"order_id": "o-2", "refund_id": in_review}
    approve = api_event("refund_requests_api_approve", caller=merchant(), path=path)
    assert invoke("refund_requests_api", approve)["statusCode"] == HTTPStatus.OK
    # the ERP ships o-1 anyway, by the API and by the order system's event: both refused, one parcel stopped
    body = {"carrier": "SF", "tracking_number": "SF1"}
    ship = api_event("orders_api_shipment", caller=merchant(), path={"order_id": "o-1"}, body=body)
    assert invoke("orders_api", ship)["statusCode"] == HTTPStatus.CONFLICT
    assert invoke("order_events", sqs_batch(shipped_message())) == {"batchItemFailures": []}
    parcel("POST", body=PARCEL)
    parcel("PUT", body={"outcome": "INTERCEPTED"})
    stream_to_the_payout_publisher(stack)

    answer = statement(merchant(role="erp"))

    assert answer["statusCode"] == HTTPStatus.OK, answer["body"]
    kept = response_json(answer)
    today = kept["days"][-1]
    assert today["date"] == china_day(utc_now()).isoformat()
    assert today["auto_refunded"] == {
        "platform": {"count": 1, "amount_fen": 19900}, "merchant_policy": {"count": 0, "amount_fen": 0}
    }  # fmt: skip
    assert today["to_review"] == {
        "count": 1, "amount_fen": 45000, "by_reason": {"AMOUNT_OVER_LIMIT": 1, "POLICY_DISABLED": 1}
    }  # fmt: skip
    assert today["review_outcomes"]["approved"]["MERCHANT"] == 1
    assert today["review_outcomes"]["approved_amount_fen"] == 45000
    assert today["shipments_stopped"] == 1
    assert today["parcels_after_refund"] == {
        "count": 1, "amount_fen": 19900, "INTERCEPTED": 1, "RETURNED": 0, "LOST": 0, "open": 0, "lost_amount_fen": 0
    }  # fmt: skip
    assert kept["totals"]["auto_refunded"]["platform"] == {"count": 1, "amount_fen": 19900}
    assert kept["as_of"] is not None
    assert kept["days"][0]["auto_refunded"]["platform"]["count"] == 0  # yesterday: nothing


def test_the_stream_delivered_again_counts_nothing_twice(stack):
    refunded_o1_and_o2_in_review()
    stream_to_the_payout_publisher(stack)
    first = response_json(statement())

    stream_to_the_payout_publisher(stack)  # the same records again
    stream_to_the_payout_publisher(stack, first_sequence=100)  # later changes that leave each refund as it was

    assert response_json(statement())["days"] == first["days"]


@pytest.mark.parametrize(
    ("caller", "merchant_id", "query", "status"),
    [
        (merchant("m-2"), "m-1", None, HTTPStatus.NOT_FOUND),  # another merchant's: as an unknown one
        (ops(), "m-unknown", None, HTTPStatus.NOT_FOUND),
        (buyer(), "m-1", None, HTTPStatus.FORBIDDEN),
        (merchant(), "m-1", {"from": "2026-11-30", "to": "2026-11-01"}, HTTPStatus.UNPROCESSABLE_ENTITY),
        (merchant(), "m-1", {"from": "2026-09-01", "to": "2026-12-03"}, HTTPStatus.UNPROCESSABLE_ENTITY),  # 94 days
    ],
)
def test_the_statement_is_refused_outside_its_merchant_and_its_period(stack, caller, merchant_id, query, status):
    enrol_since("2026-01-01T00:00:00+08:00")

    answer = statement(caller, merchant_id, query)

    assert answer["statusCode"] == status, answer["body"]
    if status == HTTPStatus.NOT_FOUND:
        assert response_json(answer)["error"]["code"] == "MERCHANT_NOT_FOUND"


def check(day: str) -> dict:
    return invoke("statement_check", event("statement_check_scheduled") | {"day": day})


def test_after_the_day_the_statement_is_checked_against_a_recount_which_it_takes_where_they_disagree(stack):
    refunded_o1_and_o2_in_review()
    today = china_day(utc_now()).isoformat()
    # a change the statement never took in: o-2's request (the stream's records lost, say)
    stream_to_the_payout_publisher(stack, leaving_out="o-2")
    lacking = response_json(statement())["days"][-1]
    assert (lacking["to_review"]["count"], lacking["final"]) == (0, False)

    assert check(today) == {"merchants": 1, "disagreeing": 1}

    recounted = response_json(statement())["days"][-1]
    assert (recounted["to_review"]["count"], recounted["to_review"]["amount_fen"], recounted["final"]) == (
        1,
        45000,
        True,
    )
    assert recounted["auto_refunded"]["platform"] == {"count": 1, "amount_fen": 19900}  # as it was
    assert check(today) == {"merchants": 1, "disagreeing": 0}  # checked again: agrees, changes nothing
    assert response_json(statement())["days"][-1] == recounted


def test_the_statement_exported_as_csv_sums_per_day_and_route_to_the_statement(stack):
    in_review = refunded_o1_and_o2_in_review()
    path = {"order_id": "o-2", "refund_id": in_review}
    invoke("refund_requests_api", api_event("refund_requests_api_approve", caller=merchant(), path=path))
    stream_to_the_payout_publisher(stack)
    today = china_day(utc_now()).isoformat()
    period = {"from": today, "to": today}
    start = api_event("workbench_api_start_statement_export", caller=merchant(role="erp"), body=period)

    started = invoke("workbench_api", start)

    assert started["statusCode"] == HTTPStatus.ACCEPTED, started["body"]
    export = response_json(started)
    assert (export["status"], export["url"], export["from"]) == ("RUNNING", None, today)
    queue = stack.resolve.refs["MerchantReportsQueue"]
    [message] = stack.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert invoke("merchant_reports", sqs_batch(message["Body"])) == {"finished": 1}
    path = {"merchant_id": "m-1", "export_id": export["export_id"]}
    asked = api_event("workbench_api_get_statement_export", caller=merchant(), path=path)
    ready = response_json(invoke("workbench_api", asked))
    assert (ready["status"], ready["rows"]) == ("READY", 2)
    assert ready["url"].startswith("https://") and "X-Amz-Signature" in ready["url"]
    key = f"exports/m-1/{export['export_id']}.csv"
    body = boto3.client("s3").get_object(Bucket=stack.resolve.refs["ExportsBucket"], Key=key)
    rows = list(csv.DictReader(io.StringIO(body["Body"].read().decode("utf-8"))))
    assert [row["order_id"] for row in rows] == ["o-1", "o-2"]
    assert rows[1] | {"refund_id": None, "decided_at": None, "resolved_at": None} == {
        "refund_id": None, "order_id": "o-2", "decided_at": None, "china_day": today, "route": "", "status": "APPROVED",
        "amount_fen": "45000", "reasons": "AMOUNT_OVER_LIMIT;POLICY_DISABLED", "policy_rule_id": "",
        "resolution_by": "MERCHANT", "resolved_at": None, "payout_status": "PENDING", "parcel_after_refund": "",
    }  # fmt: skip
    day = response_json(statement())["days"][-1]
    by_route = {
        route: sum(int(row["amount_fen"]) for row in rows if row["route"] == route)
        for route in ("", "PLATFORM_FAST_REFUND")
    }
    assert by_route == {
        "": day["to_review"]["amount_fen"],
        "PLATFORM_FAST_REFUND": day["auto_refunded"]["platform"]["amount_fen"],
    }


def test_another_merchants_export_is_not_found(stack):
    enrol_since("2026-01-01T00:00:00+08:00")
    path = {"merchant_id": "m-1", "export_id": "no-such-export"}

    unknown = invoke("workbench_api", api_event("workbench_api_get_statement_export", caller=merchant(), path=path))
    other = invoke("workbench_api", api_event("workbench_api_get_statement_export", caller=merchant("m-2"), path=path))

    assert response_json(unknown)["error"]["code"] == "EXPORT_NOT_FOUND"
    assert response_json(other)["error"]["code"] == "MERCHANT_NOT_FOUND"


def test_the_days_limit_and_when_it_first_held_a_request_back_are_shown(stack):
    enrol_since("2026-01-01T00:00:00+08:00")
    policy = {"enabled": True, "max_refund_amount_fen": 50000, "daily_limit_amount_fen": 30000}
    put = api_event("merchants_api_put_auto_refund_policy", caller=merchant(), body=policy)
    assert invoke("merchants_api", put)["statusCode"] == HTTPStatus.OK
    for order_id in ("o-1", "o-2", "o-3"):  # no badge: the merchant's policy decides, 200 yuan each
        pay(order_id=order_id, buyer_id=f"b-{order_id}", paid_amount_fen=20000, fast_refund_badge=False)
    decided = [response_json(ask_refund(order_id, caller=buyer(f"b-{order_id}"))) for order_id in ("o-1", "o-2", "o-3")]
    assert [refund["status"] for refund in decided] == ["AUTO_REFUNDED", "PENDING_REVIEW", "PENDING_REVIEW"]
    stream_to_the_payout_publisher(stack)

    day = response_json(statement())["days"][-1]

    assert day["daily_limit"]["limit_fen"] == 30000
    assert day["daily_limit"]["used_fen"] == 20000
    assert day["daily_limit"]["reached_at"] == decided[1]["decided_at"]  # the first held back, not the second
    assert day["to_review"]["by_reason"]["DAILY_LIMIT_REACHED"] == 2
