"""The buyer's guards hold to the end, through the handlers: a flagged buyer's request and an over-limit buyer's
request whose deadlines pass are escalated, not approved, and no payout is owed; ops find them in their queue,
approve one, the merchant rejects the other, and the queue empties. The oldest escalation's wait is measured
every minute and alarmed at 24 hours."""

import json
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

from fastrefund.domain.clock import to_storage, utc_now
from tests.integration.test_lag_alarms import alarm, emitted
from tests.support import (
    api_event,
    ask_refund,
    enrol_since,
    event,
    invoke,
    merchant,
    past_deadline,
    pay,
    response_json,
    sqs_batch,
    sweep_review_deadlines,
)

OPS = {"sub": "ops-1", "role": "ops"}


def ask(order_id: str) -> dict:
    return response_json(ask_refund(order_id))


def decide(action: str, refund: dict, caller: dict, body: dict) -> dict:
    path = {"order_id": refund["order_id"], "refund_id": refund["refund_id"]}
    return invoke(
        "refund_requests_api", api_event(f"refund_requests_api_{action}", caller=caller, path=path, body=body)
    )


def escalated_queue() -> list[str]:
    answer = invoke("workbench_api", api_event("workbench_api_escalated_refunds", caller=OPS))
    assert answer["statusCode"] == HTTPStatus.OK, answer["body"]
    return [item["order_id"] for item in response_json(answer)["items"]]


def test_a_flagged_and_an_over_limit_request_pass_to_ops_and_only_a_person_decides_them(stack, monkeypatch, tmp_path):
    # Given rules allowing a buyer one automatic refund in 30 days
    rules = json.loads(stack.template.resources["RulesParameter"]["Properties"]["Value"])
    rules["buyer_limits"] = {"window_days": 30, "max_auto_refunds": 1, "max_auto_refund_fen": None}
    (tmp_path / "rules.json").write_text(json.dumps(rules))
    monkeypatch.setenv("RULES_FILE", str(Path(tmp_path / "rules.json")))
    enrol_since("2026-01-01T00:00:00+08:00")
    for order_id in ("o-1", "o-2", "o-3"):
        pay(order_id=order_id)
    # a request held for the buyer's limit (o-1 took the one refund), and one held for a risk flag
    assert ask("o-1")["status"] == "AUTO_REFUNDED"
    over_limit = ask("o-2")
    flag = {"type": "BUYER_RISK_FLAGGED", "buyer_id": "b-1", "reason_code": "R", "flagged_at": utc_now().isoformat()}
    assert invoke("order_events", sqs_batch(json.dumps(flag))) == {"batchItemFailures": []}
    flagged = ask("o-3")
    assert "BUYER_LIMIT_REACHED" in over_limit["reasons"]
    assert "BUYER_NOT_ELIGIBLE" in flagged["reasons"]  # the buyer is never told of the flag

    # When both deadlines pass with the merchant silent
    past_deadline(stack, "o-2", over_limit["refund_id"], timedelta(minutes=2))
    past_deadline(stack, "o-3", flagged["refund_id"])
    assert sweep_review_deadlines(stack) == {"decided": 0, "escalated": 2, "failed": 0}

    # Then neither is approved nor owes a payout; both wait for ops, oldest escalation first
    for order_id in ("o-2", "o-3"):
        [request] = response_json(
            invoke(
                "refund_requests_api",
                api_event("refund_requests_api_list", caller=merchant(), path={"order_id": order_id}),
            )
        )["refund_requests"]
        assert (request["status"], request["payout"], request["resolution"]) == ("PENDING_REVIEW", None, None)
        assert request["escalated_at"] is not None
    assert escalated_queue() == ["o-2", "o-3"]
    assert sweep_review_deadlines(stack) == {"decided": 0, "escalated": 0, "failed": 0}  # never swept again

    # When ops approve one and the merchant rejects the other
    approved = decide("approve", flagged, OPS, {})
    rejected = decide("reject", over_limit, merchant(), {"reason_code": "BUYER_AGREED_TO_KEEP"})

    assert approved["statusCode"] == HTTPStatus.OK, approved["body"]
    assert response_json(approved)["resolution"]["by"] == "OPS"
    assert response_json(approved)["payout"]["status"] == "PENDING"
    assert response_json(rejected)["status"] == "REJECTED"
    assert escalated_queue() == []


def test_the_oldest_escalation_waiting_a_day_fires_its_alarm(stack, capsys):
    metric, threshold = alarm("EscalatedRequestsWaitingAlarm")
    flag = {"type": "BUYER_RISK_FLAGGED", "buyer_id": "b-1", "reason_code": "R", "flagged_at": utc_now().isoformat()}
    invoke("order_events", sqs_batch(json.dumps(flag)))
    pay()
    held = ask("o-1")
    past_deadline(stack, "o-1", held["refund_id"], timedelta(hours=25))
    sweep_review_deadlines(stack)
    stack.dynamodb.update_item(  # passed to ops 25 hours ago
        TableName=stack.table("RefundsTable"),
        Key={"order_id": {"S": "o-1"}, "refund_id": {"S": held["refund_id"]}},
        UpdateExpression="SET escalated_at = :at, escalated_key = :key",
        ExpressionAttributeValues={
            ":at": {"S": to_storage(utc_now() - timedelta(hours=25))},
            ":key": {"S": f"{to_storage(utc_now() - timedelta(hours=25))}#{held['refund_id']}"},
        },
    )
    capsys.readouterr()

    invoke("review_deadlines", event("review_deadlines_scheduled"))

    assert max(emitted(capsys, metric)) > threshold


def test_a_round_the_sweepers_have_not_taken_is_not_handed_out_again(stack):
    first = invoke("review_deadlines", event("review_deadlines_scheduled"))
    second = invoke("review_deadlines", event("review_deadlines_scheduled"))

    waiting = stack.sqs.get_queue_attributes(
        QueueUrl=stack.resolve.refs["ReviewSweepQueue"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert (first, second, int(waiting)) == ({"partitions": 65}, {"partitions": 0}, 65)
