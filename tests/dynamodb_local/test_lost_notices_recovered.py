"""A publisher that fails for good loses nothing: on DynamoDB Local, orders are auto-refunded and
approved in review while SNS refuses every publish, so the notifier and the payout publisher give their
batches up (the on-failure queue gets where they were). Then, with SNS back, the reconciliation finds
every message owed and unconfirmed and sends it, once; and the operator's replay of the on-failure
queue sends the same messages (same ids) and empties the queue."""

import json

import pytest
from botocore.exceptions import ClientError

from fastrefund.platform import aws_clients
from scripts.replay_stream_failures import replay
from tests.dynamodb_local import workers
from tests.dynamodb_local.publishing import MERCHANTS, deliver_stream, drain, refund_approved
from tests.support import enrol_since, event, invoke, pay

ORDERS = 12  # a third over the guarantee's limit: to review, then approved by the merchant


@pytest.fixture
def sns_down(monkeypatch) -> dict[str, bool]:
    """SNS refuses every publish while `down` is True."""
    client = aws_clients.client("sns")
    real, state = client.publish_batch, {"down": True}

    def publish_batch(**request):
        if state["down"]:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "PublishBatch")
        return real(**request)

    monkeypatch.setattr(client, "publish_batch", publish_batch)
    return state


def approvals() -> dict[str, str]:
    """ORDERS orders paid and refunded (auto or approved in review): refund_id -> merchant_id."""
    for merchant_id in MERCHANTS:
        enrol_since("2026-01-01T00:00:00+08:00", merchant_id=merchant_id)
    refunds = {}
    for n in range(ORDERS):
        order_id, merchant_id = f"o-{n}", MERCHANTS[n % len(MERCHANTS)]
        pay(order_id=order_id, merchant_id=merchant_id, buyer_id=f"b-{n}", paid_amount_fen=45000 if n % 3 else 19900)
        refund, _ = refund_approved(order_id, merchant_id, f"b-{n}")
        refunds[refund["refund_id"]] = merchant_id
    return refunds


def received(sqs, queues: dict[str, str]) -> list[dict]:
    return [message for url in queues.values() for message in drain(sqs, url)]


def publishers_give_up(local_tables) -> tuple[list, list]:
    """Both stream publishers, delivered everything while SNS is down: their on-failure messages."""
    notifier, _, notices_lost = deliver_stream(local_tables, "notifier", "NotifierFunction", "RequestChanges")
    payouts, _, payouts_lost = deliver_stream(
        local_tables, "payout_publisher", "PayoutPublisherFunction", "RefundChanges"
    )
    assert notifier.given_up and payouts.given_up, "every batch fails while SNS is down"
    return notices_lost, payouts_lost


def test_the_reconciliation_sends_what_a_failed_stream_lost(local_tables, notices_topic, sns_down, monkeypatch):
    sqs, erp_queues, payment_queues = notices_topic
    refunds = approvals()
    publishers_give_up(local_tables)
    assert received(sqs, erp_queues) == [] and received(sqs, payment_queues) == []

    # Within the grace, the reconciliation leaves them to the stream
    sns_down["down"] = False
    assert invoke("reconciler", event("reconciler_scheduled")) == {"notices": 0, "payouts": 0}
    # Past it (a grace of 0 here: the owed marks are seconds old), it sends each message owed, once
    monkeypatch.setenv("REPUBLISH_AFTER_SECONDS", "0")
    workers.reset()
    assert invoke("reconciler", event("reconciler_scheduled")) == {
        "notices": ORDERS,
        "payouts": ORDERS,
    }
    assert invoke("reconciler", event("reconciler_scheduled")) == {"notices": 0, "payouts": 0}

    notices, instructions = received(sqs, erp_queues), received(sqs, payment_queues)
    print(f"\nSNS down: {ORDERS} notices and {ORDERS} payouts lost by the stream, all sent by the reconciliation")
    # What a request owes now: its auto-refund or approval notice (its review notice is moot once decided)
    assert sorted(n["refund_id"] for n in notices) == sorted(refunds)
    assert {n["notice_type"] for n in notices} == {"ORDER_AUTO_REFUNDED", "ORDER_REFUNDED"}
    assert all(refunds[n["refund_id"]] == n["merchant_id"] for n in notices)
    assert sorted(i["payout_id"] for i in instructions) == sorted(f"{refund_id}:1" for refund_id in refunds)


def test_the_replay_of_the_on_failure_queue_sends_the_same_messages(local_tables, notices_topic, sns_down, monkeypatch):
    sqs, erp_queues, payment_queues = notices_topic
    refunds = approvals()
    notices_lost, payouts_lost = publishers_give_up(local_tables)
    queues = {}
    for name, lost in {"notices": notices_lost, "payouts": payouts_lost}.items():
        queues[name] = sqs.create_queue(QueueName=f"{name}-on-failure")["QueueUrl"]
        for message in lost:
            sqs.send_message(QueueUrl=queues[name], MessageBody=json.dumps(message))
    streams = local_tables.client("dynamodbstreams")

    # While SNS is still down, a replay fails and keeps every message
    failed = replay(sqs, streams, queues["notices"], lambda batch: invoke("notifier", batch))
    assert failed == {"failed": len(notices_lost)}
    assert received(sqs, erp_queues) == []
    # With SNS back, the replay sends every lost change's notice and payout and empties the queues
    sns_down["down"] = False
    notices_replayed = replay(sqs, streams, queues["notices"], lambda batch: invoke("notifier", batch))
    payouts_replayed = replay(sqs, streams, queues["payouts"], lambda batch: invoke("payout_publisher", batch))

    assert notices_replayed == {"replayed": len(notices_lost)}
    assert payouts_replayed == {"replayed": len(payouts_lost)}
    notices, instructions = received(sqs, erp_queues), received(sqs, payment_queues)
    # Every change's notice: review requests too, since the replay re-reads the changes themselves
    assert {n["refund_id"] for n in notices} == set(refunds)
    assert sorted(i["payout_id"] for i in instructions) == sorted(f"{refund_id}:1" for refund_id in refunds)
    # ...confirmed as they went out: nothing is left for the reconciliation to send, however overdue
    monkeypatch.setenv("REPUBLISH_AFTER_SECONDS", "0")
    workers.reset()
    assert invoke("reconciler", event("reconciler_scheduled")) == {"notices": 0, "payouts": 0}
    assert all(drain(sqs, url) == [] for url in queues.values())
