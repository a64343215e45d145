"""The refund's life on the local stack, over HTTP and the AWS endpoints, as docs/local-stack.md walks it: a
request goes to review (the merchant is told), the merchant stays silent, the deadline approves it
(the merchant is told to stop the parcel), the payout instruction reaches the payment system, and its
answer shows on the refund."""

import json
from datetime import UTC, datetime
from http import HTTPStatus

import boto3

from devtools.catalogue.template import Template
from devtools.emulator.api_client import LOCAL_CREDENTIALS, call, eventually
from devtools.emulator.local_stack_process import start_stack, wait_until_answering
from devtools.invoking.sample_events import paid_order_message
from tests.support import token

REVIEW_TIMEOUT_SECONDS = 3


def subscribed_queue(sqs, sns, name: str, topic_arn: str) -> str:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return url


def bodies(sqs, url: str) -> list[dict]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(message["Body"]) for message in messages]


def test_a_silent_merchants_request_is_approved_at_the_deadline_and_paid_out(tmp_path, monkeypatch):
    rules = json.loads(Template.load().resources["RulesParameter"]["Properties"]["Value"])
    (tmp_path / "rules.json").write_text(json.dumps(rules | {"review_timeout_seconds": REVIEW_TIMEOUT_SECONDS}))
    monkeypatch.setenv("RULES_FILE", str(tmp_path / "rules.json"))
    stack = wait_until_answering(start_stack(tmp_path, "--schedule-seconds", "1"), tmp_path)
    try:
        api, outputs, endpoints = stack.api, stack.state["outputs"], stack.state["endpoints"]
        sqs = boto3.client("sqs", endpoint_url=endpoints["sqs"], **LOCAL_CREDENTIALS)
        sns = boto3.client("sns", endpoint_url=endpoints["sns"], **LOCAL_CREDENTIALS)
        erp = subscribed_queue(sqs, sns, "erp", outputs["MerchantNoticesTopicArn"])
        payment_system = subscribed_queue(sqs, sns, "payment-system", outputs["RefundPayoutsTopicArn"])
        buyer, merchant = token(sub="b-1", role="buyer"), token(sub="u-1", role="merchant", merchant_id="m-1")

        # a 450-yuan order: over the guarantee's limit, and the merchant has no policy
        order = paid_order_message(order_id="o-big", paid_amount_fen=45000, paid_at=datetime.now(UTC).isoformat())
        sqs.send_message(QueueUrl=outputs["OrderEventsQueueUrl"], MessageBody=json.dumps(order))
        assert eventually(lambda: call(api, "GET", "/orders/o-big/fast-refund-eligibility", buyer)[0] == HTTPStatus.OK)
        status, review = call(api, "POST", "/orders/o-big/refund-requests", buyer, {"reason": "too big"})
        assert (status, review["status"]) == (HTTPStatus.CREATED, "PENDING_REVIEW")
        dry_run = call(api, "GET", "/orders/o-big/fast-refund-eligibility", buyer)[1]
        assert dry_run["existing_refund_id"] == review["refund_id"]

        # the deadline passes with the merchant silent: approved on its behalf, within a schedule tick
        def approved():
            listed = call(api, "GET", "/orders/o-big/refund-requests", merchant)[1]["refund_requests"]
            return listed[0] if listed[0]["status"] == "APPROVED" else None

        timed_out = eventually(approved, timeout=REVIEW_TIMEOUT_SECONDS + 15)
        assert timed_out and timed_out["resolution"]["by"] == "REVIEW_TIMEOUT"
        assert call(api, "POST", "/orders/o-big/shipments", merchant, {"carrier": "SF", "tracking_number": "SF1"})[
            0
        ] == (HTTPStatus.CONFLICT)

        # the merchant was told twice, and the payment system got one instruction
        notices = []
        eventually(lambda: notices.extend(bodies(sqs, erp)) or len(notices) >= 2)
        assert [(n["notice_type"], n["action"]) for n in notices] == [
            ("REFUND_REVIEW_REQUESTED", "REVIEW"),
            ("ORDER_REFUNDED", "STOP_SHIPMENT"),
        ]
        [instruction] = eventually(lambda: bodies(sqs, payment_system))
        assert (instruction["approval"], instruction["amount_fen"]) == ("REVIEW_TIMEOUT", 45000)

        # the payment system answers, and the refund shows it
        result = {"type": "REFUND_PAYOUT_SUCCEEDED", "refund_id": instruction["refund_id"]}
        result |= {"payout_id": instruction["payout_id"], "paid_out_at": datetime.now(UTC).isoformat()}
        sqs.send_message(QueueUrl=outputs["PaymentResultsQueueUrl"], MessageBody=json.dumps(result))

        def paid():
            listed = call(api, "GET", "/orders/o-big/refund-requests", buyer)[1]["refund_requests"]
            return listed[0]["payout"]["status"] == "SUCCEEDED"

        assert eventually(paid)
    finally:
        code, output = stack.stop()
    assert code == 0, output
    assert "schedule->ReviewDeadlinesFunction" in output
