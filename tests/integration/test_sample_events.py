"""Every file in events/ runs through its function as `sam local invoke -e` would run it."""

import json
from http import HTTPStatus
from pathlib import Path

import pytest

from devtools.catalogue.template import Template
from tests.support import EVENTS, api_event, buyer, enrol_since, event, invoke, merchant, response_json, sqs_batch

SAMPLES = sorted(path.stem for path in EVENTS.glob("*.json"))
FUNCTIONS = {function.name for function in Template.load().functions.values()}


def function_of(sample: str) -> str:
    return max((name for name in FUNCTIONS if sample.startswith(name + "_")), key=len)


@pytest.mark.parametrize("sample", SAMPLES)
def test_each_sample_event_succeeds_with_its_function(stack, sample):
    # Given the orders of the sample batch, from an enrolled merchant
    enrol_since("2026-01-01T00:00:00+08:00")
    assert invoke("order_events", event("order_events_batch")) == {"batchItemFailures": []}

    result = invoke(function_of(sample), with_ids_that_exist(sample))

    match function_of(sample):
        case "orders_api" | "merchants_api" | "refund_requests_api" | "workbench_api" | "notice_subscriptions_api":
            answered = (HTTPStatus.OK, HTTPStatus.CREATED, HTTPStatus.ACCEPTED, HTTPStatus.NO_CONTENT)
            assert result["statusCode"] in answered, result["body"]
            if result["statusCode"] != HTTPStatus.NO_CONTENT:
                assert result["multiValueHeaders"]["Content-Type"] == ["application/json"]
        case "authorizer":
            assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
        case "order_events" if sample.endswith("malformed"):
            assert len(result["batchItemFailures"]) == 2
        case "order_events" | "notifier" | "payout_publisher" | "payment_results":
            assert result == {"batchItemFailures": []}
        case "review_deadlines":
            assert result == {"partitions": 65}
        case "review_sweeper":  # the requests in review are not due for 48 hours
            assert result == {"decided": 0, "escalated": 0, "failed": 0}
        case "reconciler":  # the refunds just made owe notices, but not for 5 minutes yet
            assert result == {"notices": 0, "payouts": 0}
        case "usage_reconciler":  # no reservation leaked
            assert result == {"usage_taken_back": 0}
        case "statement_check":  # yesterday, in China: no statement yet
            assert result == {"merchants": 0, "disagreeing": 0}
        case "merchant_reports":  # the trial the start sample made, run
            assert result == {"finished": 1}
        case unmatched:
            pytest.fail(f"no expectation for {unmatched}'s sample {sample}")


def with_ids_that_exist(sample: str) -> dict:
    """The sample, with the id of a request made now where it names one (ids are generated): o-2's request,
    in review (shipped, 450 yuan), approved and its payout failed for the payout retry; o-1's auto-refund
    for the payment result; the subscription the subscribe sample makes, for the unsubscribe; the policy trial
    the start sample makes, for its result and its run."""
    sample_event = event(sample)
    if sample.startswith("refund_requests_api") and "refund_id" in (sample_event["pathParameters"] or {}):
        made = response_json(
            invoke("orders_api", api_event("orders_api_refund_request", caller=buyer(), path={"order_id": "o-2"}))
        )
        if sample.endswith("payout_retry"):
            approve = api_event(
                "refund_requests_api_approve",
                caller=merchant(),
                path={"order_id": "o-2", "refund_id": made["refund_id"]},
            )
            invoke("refund_requests_api", approve)
            failed = {"type": "REFUND_PAYOUT_FAILED", "refund_id": made["refund_id"], "failure_code": "ACCOUNT_CLOSED"}
            failed |= {"payout_id": f"{made['refund_id']}:1", "failed_at": "2026-11-26T12:00:00+08:00"}
            assert invoke("payment_results", sqs_batch(failed)) == {"batchItemFailures": []}
        sample_event["pathParameters"]["refund_id"] = made["refund_id"]
        sample_event["path"] = sample_event["path"].replace("3f0c6a1e-9b7d-4e2a-8c5f-000000000002", made["refund_id"])
    if sample == "notice_subscriptions_api_unsubscribe":  # the subscription the subscribe sample makes
        subscribed = invoke("notice_subscriptions_api", event("notice_subscriptions_api_subscribe_queue"))
        made = response_json(subscribed)
        sample_event["path"] = sample_event["path"].replace(
            sample_event["pathParameters"]["subscription_id"], made["subscription_id"]
        )
        sample_event["pathParameters"]["subscription_id"] = made["subscription_id"]
    if sample in ("merchants_api_get_policy_trial", "merchant_reports_policy_trial"):  # a trial the start sample makes
        started = response_json(invoke("merchants_api", event("merchants_api_start_policy_trial")))
        sample_text = json.dumps(sample_event).replace("0b6f2d1e-5a4c-4b8e-9f3a-000000000003", started["trial_id"])
        sample_event = json.loads(sample_text)
    if sample.startswith("refund_requests_api") and "parcel" in sample:  # o-1 refunded; its parcel left anyway
        assert invoke("orders_api", event("orders_api_refund_request"))["statusCode"] == HTTPStatus.CREATED
        if sample != "refund_requests_api_record_parcel":
            assert invoke("refund_requests_api", event("refund_requests_api_record_parcel"))["statusCode"] == 201
    if sample in ("workbench_api_get_statement_export", "merchant_reports_statement_export"):  # the start's export
        started = response_json(invoke("workbench_api", event("workbench_api_start_statement_export")))
        sample_text = json.dumps(sample_event).replace("5e7a1c2d-3b4f-4a6e-8d9c-000000000005", started["export_id"])
        sample_event = json.loads(sample_text)
    if sample == "payment_results_batch":
        made = response_json(invoke("orders_api", event("orders_api_refund_request")))
        for record in sample_event["Records"]:
            record["body"] = record["body"].replace("3f0c6a1e-9b7d-4e2a-8c5f-000000000001", made["refund_id"])
    return sample_event


def test_every_sample_names_a_function():
    assert all(function_of(sample) for sample in SAMPLES)
    assert {function_of(sample) for sample in SAMPLES} == set(FUNCTIONS)


def test_every_api_route_has_a_sample():
    samples = [json.loads(Path(EVENTS / f"{sample}.json").read_text()) for sample in SAMPLES]
    sampled = {(body["resource"], body["httpMethod"]) for body in samples if "httpMethod" in body}
    assert {(route.path, route.method) for route in Template.load().routes} == sampled


def test_every_sample_is_an_event_the_template_routes():
    """API samples use a resource and method that template.yaml routes to their function."""
    template = Template.load()
    routed = {(route.path, route.method, template.functions[route.function].name) for route in template.routes}
    for sample in SAMPLES:
        body = json.loads(Path(EVENTS / f"{sample}.json").read_text())
        if "httpMethod" in body:
            assert (body["resource"], body["httpMethod"], function_of(sample)) in routed, sample
