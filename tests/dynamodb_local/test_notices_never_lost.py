"""No notice and no payout is lost: 200 approvals (1,000 in `make soak`) committed on DynamoDB Local (auto-refunds,
and requests approved in review), the table's stream delivered to the notifier and to the payout publisher as
Lambda would (filter, batches, retries from the earliest failed record), with one message in ten failing the first
time it is published and every seventeenth call failing. Every notice reaches its merchant's queue and every
payout instruction the payment system's; duplicates keep their ids."""

import json
import random
import zlib
from collections import Counter, defaultdict

import jsonschema
import pytest
from botocore.exceptions import ClientError

from devtools.catalogue.template import ROOT
from fastrefund.platform import aws_clients
from tests.dynamodb_local.publishing import MERCHANTS, deliver_stream, drain, refund_approved
from tests.support import enrol_since, invoke, paid_order_message, sqs_batch

IN_REVIEW_SHARE = 0.4  # orders over the guarantee's limit: to review, then approved by their merchant
ENTRY_FAILS_EVERY = 10
WHOLE_CALL_FAILS_EVERY = 17
# Validators made once: jsonschema.validate() checks the schema itself again on every call.
NOTICE_VALIDATOR = jsonschema.Draft202012Validator(json.loads((ROOT / "docs" / "notice.schema.json").read_text()))
PAYOUT_VALIDATOR = jsonschema.Draft202012Validator(json.loads((ROOT / "docs" / "payout.schema.json").read_text()))


def flaky_sns(monkeypatch) -> Counter:
    """Fails one message in ten the first time it is published (chosen by its content), and every seventeenth call
    as a whole: deterministic, so that every run meets both kinds of failure and the counts say they happened, and
    each failure passes once retried, as a passing fault does."""
    client = aws_clients.client("sns")
    real = client.publish_batch
    calls = Counter()
    failed_once: set[str] = set()

    def publish_batch(**request):
        calls["PublishBatch"] += 1
        if calls["PublishBatch"] % WHOLE_CALL_FAILS_EVERY == 0:
            calls["whole call failed"] += 1
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "PublishBatch")
        entries = request["PublishBatchRequestEntries"]
        failing = []
        for entry in entries:
            calls["entries"] += 1
            message = entry["Message"]
            if zlib.crc32(message.encode()) % ENTRY_FAILS_EVERY == 0 and message not in failed_once:
                failed_once.add(message)
                failing.append(entry)
        passing = [entry for entry in entries if entry not in failing]
        calls["entries failed"] += len(failing)
        response = real(**(request | {"PublishBatchRequestEntries": passing})) if passing else {"Successful": []}
        response["Failed"] = [{"Id": e["Id"], "Code": "InternalError", "SenderFault": False} for e in failing]
        return response

    monkeypatch.setattr(client, "publish_batch", publish_batch)
    return calls


@pytest.mark.parametrize("approvals", [pytest.param(200), pytest.param(1000, marks=pytest.mark.soak)])
def test_every_notice_and_payout_arrives_despite_failing_publishes(local_tables, notices_topic, monkeypatch, approvals):
    sqs, queues, payment_queues = notices_topic
    rng = random.Random(7)
    # Given 1,000 orders of enrolled merchants, 40% of them over the guarantee's limit
    for merchant_id in MERCHANTS:
        enrol_since("2026-01-01T00:00:00+08:00", merchant_id=merchant_id)
    orders = [
        (f"o-{n}", MERCHANTS[n % len(MERCHANTS)], f"b-{n}", 45000 if rng.random() < IN_REVIEW_SHARE else 19900)
        for n in range(approvals)
    ]
    for first in range(0, approvals, 10):
        messages = [
            paid_order_message(order_id=o, merchant_id=m, buyer_id=b, paid_amount_fen=fen)
            for o, m, b, fen in orders[first : first + 10]
        ]
        assert invoke("order_events", sqs_batch(*messages)) == {"batchItemFailures": []}
    # ...each asked for through the API: auto-refunded, or to review and then approved by its merchant
    refunds, reviewed = {}, set()
    for order_id, merchant_id, buyer_id, _ in orders:
        refund, in_review = refund_approved(order_id, merchant_id, buyer_id)
        if in_review:
            reviewed.add(refund["refund_id"])
        refunds[refund["refund_id"]] = merchant_id

    # When the refunds table's stream reaches the notifier and the payout publisher, with publishes failing
    calls = flaky_sns(monkeypatch)
    notifier, notice_records, _ = deliver_stream(local_tables, "notifier", "NotifierFunction", "RequestChanges")
    notice_calls, notice_failures = calls["PublishBatch"], calls["entries failed"] + calls["whole call failed"]
    publisher, payout_records, _ = deliver_stream(
        local_tables, "payout_publisher", "PayoutPublisherFunction", "RefundChanges"
    )

    # Then every notice reached its merchant, valid, and duplicates share their notice_id...
    notices = [notice for merchant_id, url in queues.items() for notice in drain(sqs, url)]
    by_refund = defaultdict(set)
    for notice in notices:
        NOTICE_VALIDATOR.validate(notice)
        by_refund[notice["refund_id"]].add((notice["notice_type"], notice["notice_id"]))
        assert refunds[notice["refund_id"]] == notice["merchant_id"]
    # ...and every approval's payout reached the payment system, exactly one per approval (by payout_id)
    instructions = [instruction for url in payment_queues.values() for instruction in drain(sqs, url)]
    payouts = defaultdict(set)
    for instruction in instructions:
        PAYOUT_VALIDATOR.validate(instruction)
        payouts[instruction["refund_id"]].add(instruction["payout_id"])
    print(
        f"\n{approvals} approvals ({len(reviewed)} in review): notifier {notice_records} records in"
        f" {notifier.invocations} invocations, {len(notices)} notices received"
        f" ({len(notices) - sum(map(len, by_refund.values()))} duplicates); payout publisher {payout_records}"
        f" records in {publisher.invocations} invocations, {len(instructions)} instructions received"
        f" ({len(instructions) - len(payouts)} duplicates); SNS: {dict(calls)}, {notice_calls} calls for notices,"
        f" {(calls['PublishBatch'] - notice_calls) / approvals:.3f} calls per payout; given up:"
        f" {len(notifier.given_up) + len(publisher.given_up)}"
    )
    # the failures were met, by the notices and by the payouts alike
    assert notice_failures > 0 and calls["entries failed"] + calls["whole call failed"] > notice_failures
    assert calls["entries failed"] > 0 and calls["whole call failed"] > 0
    assert notifier.given_up == publisher.given_up == []
    assert set(by_refund) == set(refunds)
    for refund_id, sent in by_refund.items():
        expected = {"REFUND_REVIEW_REQUESTED", "ORDER_REFUNDED"} if refund_id in reviewed else {"ORDER_AUTO_REFUNDED"}
        assert {notice_type for notice_type, _ in sent} == expected
        assert len(sent) == len(expected), "a retried notice keeps its notice_id"
    assert set(payouts) == set(refunds)
    assert all(ids == {f"{refund_id}:1"} for refund_id, ids in payouts.items())
