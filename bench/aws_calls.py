"""Counts the AWS calls each kind of request makes (botocore's event hooks), and prints them.

    make bench        (or: .venv/bin/python -m bench.aws_calls)

Runs the real handlers against moto with resources made from template.yaml. Counts, not timings:
moto answers the calls, but how many there are is the same as on AWS.
"""

import copy
import json
import os
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import datetime

import boto3
from moto import mock_aws

from bench.botocore_hooks import on_every_new_client
from devtools.catalogue.template import Template
from devtools.emulator import local_identity, resources
from devtools.invoking.harness import invoke_named as invoke
from devtools.invoking.sample_events import api_event, buyer, event, merchant, paid_order_message, sqs_batch

calls: Counter[str] = Counter()


def count(event_name: str, **_: object) -> None:
    # event names look like "before-call.dynamodb.TransactWriteItems"
    _, service, operation = event_name.split(".")
    calls[f"{service}:{operation}"] += 1


def measure(label: str, request: Callable[[], dict]) -> None:
    calls.clear()
    response = request()
    status = response.get("statusCode", "-")
    summary = ", ".join(f"{n} {name}" for name, n in sorted(calls.items())) or "none"
    print(f"{label:<52} {status!s:>4}  {sum(calls.values()):>2} calls: {summary}")


def notifier_batch(size: int) -> dict:
    """The sample stream event's auto-refund, grown to `size` records of distinct refunds."""
    sample = event("notifier_request_changes")["Records"][0]
    records = []
    for n in range(size):
        record = copy.deepcopy(sample)
        record["dynamodb"]["NewImage"]["refund_id"] = {"S": f"r-bench-{n}"}
        record["dynamodb"]["SequenceNumber"] = f"{n + 1:021d}"
        records.append(record)
    return {"Records": records}


def main() -> None:
    os.environ.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_NAMESPACE="FastRefund",
    )
    with mock_aws():
        template = Template.load()
        resolve = resources.create_all(template, boto3.client, local_identity.local_secret())
        os.environ.update(resources.function_environment(template, resolve), POWERTOOLS_LOG_LEVEL="ERROR")
        on_every_new_client("before-call", count)

        from fastrefund.domain.models.merchant import AutoRefundPolicy
        from fastrefund.repositories.store import get_store

        print(f"{'request':<52} {'HTTP':>4}  AWS calls")
        get_store().merchants.set_fast_refund_service("m-1", True, datetime.fromisoformat("2026-01-01T00:00:00+08:00"))
        # o-0..o-49 under the guarantee's limit; o-50..o-89 over it, within the policy; o-90.. over both
        amounts = [19900] * 50 + [45000] * 40 + [60000] * 10
        batch = [paid_order_message(order_id=f"o-{n}", paid_amount_fen=amounts[n]) for n in range(100)]
        for first in range(0, 100, 10):
            invoke("order_events", sqs_batch(*batch[first : first + 10]))
        measure(
            "ORDER_PAID batch of 10 (per batch)",
            lambda: invoke("order_events", sqs_batch(*(paid_order_message(order_id=f"o-new-{n}") for n in range(10)))),
        )
        policy = AutoRefundPolicy(enabled=True, max_refund_amount_fen=50000, daily_limit_amount_fen=10_000_000)

        def on_merchant(event_name: str, body: dict | None = None) -> Callable[[], dict]:
            request = api_event(event_name, caller=merchant(), path={"merchant_id": "m-1"}, body=body)
            return lambda: invoke("merchants_api", request)

        measure(
            "set the auto-refund policy (and deal today's rooms)",
            on_merchant("merchants_api_put_auto_refund_policy", policy.model_dump(mode="json")),
        )

        def refund(order_id: str) -> Callable[[], dict]:
            return lambda: invoke(
                "orders_api",
                api_event("orders_api_refund_request", caller=buyer(), path={"order_id": order_id}, body={}),
            )

        def ship(order_id: str) -> Callable[[], dict]:
            return lambda: invoke(
                "orders_api",
                api_event(
                    "orders_api_shipment",
                    caller=merchant(),
                    path={"order_id": order_id},
                    body={"carrier": "SF", "tracking_number": "SF1"},
                ),
            )

        def eligibility(order_id: str) -> Callable[[], dict]:
            return lambda: invoke(
                "orders_api", api_event("orders_api_eligibility", caller=buyer(), path={"order_id": order_id})
            )

        measure("eligibility (first call: loads the rules)", eligibility("o-1"))
        measure("eligibility", eligibility("o-2"))
        measure("refund, platform route (auto-refund happy path)", refund("o-3"))
        measure("refund, merchant policy route (settings not cached)", refund("o-50"))
        measure("refund, merchant policy route (settings cached)", refund("o-51"))
        measure("refund, to review (shipped)", (ship("o-4")(), refund("o-4"))[1])
        measure("refund, asked again", refund("o-3"))
        in_review = api_event("orders_api_refund_request", caller=buyer(), path={"order_id": "o-4"})
        in_review_id = json.loads(invoke("orders_api", in_review)["body"])["refund_id"]

        def decide(
            action: str, caller: dict, refund_id: str, order_id: str, body: dict | None = None
        ) -> Callable[[], dict]:
            path = {"order_id": order_id, "refund_id": refund_id}
            return lambda: invoke(
                "refund_requests_api", api_event(f"refund_requests_api_{action}", caller=caller, path=path, body=body)
            )

        measure(
            "refund requests of an order (list)",
            lambda: invoke(
                "refund_requests_api", api_event("refund_requests_api_list", caller=buyer(), path={"order_id": "o-4"})
            ),
        )
        measure("approve a request in review", decide("approve", merchant(), in_review_id, "o-4"))
        measure("approve it again (200, unchanged)", decide("approve", merchant(), in_review_id, "o-4"))
        to_reject = json.loads(refund("o-91")()["body"])["refund_id"]  # 600 yuan, over the policy: to review
        rejection = {"reason_code": "BUYER_AGREED_TO_KEEP"}
        measure("reject a request in review", decide("reject", merchant(), to_reject, "o-91", rejection))
        to_cancel = json.loads(refund("o-91")()["body"])["refund_id"]
        measure("cancel a request in review (the buyer)", decide("cancel", buyer(), to_cancel, "o-91"))
        measure("shipment", ship("o-5"))
        measure("shipment of a refunded order (409)", ship("o-3"))
        measure(
            "refund checks, 100 orders",
            on_merchant("merchants_api_refund_checks", {"order_ids": [f"o-{n}" for n in range(100)]}),
        )
        measure("settings", on_merchant("merchants_api_get_settings"))
        refund("o-92")()
        measure(
            "review deadline, the minute's partitions handed out",
            lambda: invoke("review_deadlines", event("review_deadlines_scheduled")),
        )
        measure(
            "review sweep of one partition, nothing due", lambda: invoke("review_sweeper", event("review_sweeper_unit"))
        )
        measure("reconciliation, nothing overdue", lambda: invoke("reconciler", event("reconciler_scheduled")))
        measure(
            "usage reconciliation, nothing leaked",
            lambda: invoke("usage_reconciler", event("usage_reconciler_scheduled")),
        )
        stream = notifier_batch(100)
        measure("notifier, a stream batch of 100 auto-refunds", lambda: invoke("notifier", stream))
        print(f"  -> {calls['sns:PublishBatch'] / len(stream['Records']):.2f} SNS calls per notice")
        measure("payout publisher, the same 100 auto-refunds", lambda: invoke("payout_publisher", stream))
        print(f"  -> {calls['sns:PublishBatch'] / len(stream['Records']):.2f} SNS calls per payout")
        refunded = json.loads(refund("o-6")()["body"])["refund_id"]
        result = {"type": "REFUND_PAYOUT_FAILED", "refund_id": refunded, "payout_id": f"{refunded}:1"}
        result |= {"failure_code": "ACCOUNT_CLOSED", "failed_at": "2026-11-26T12:00:00+08:00"}
        measure("payment result (one message)", lambda: invoke("payment_results", sqs_batch(result)))
        measure("payout retry (ops)", decide("payout_retry", {"sub": "ops-1", "role": "ops"}, refunded, "o-6"))


if __name__ == "__main__":
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    main()
