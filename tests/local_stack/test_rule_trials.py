"""make simulate-rules on the local stack's own table: a refund made through the API, tried under a lower
threshold."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import boto3

from devtools.catalogue.template import ROOT, Template
from devtools.emulator.api_client import LOCAL_CREDENTIALS, call, eventually
from devtools.invoking.sample_events import paid_order_message
from tests.support import token


def test_a_refund_made_on_the_stack_is_tried_under_a_lower_threshold(local_stack, tmp_path):
    sqs = boto3.client("sqs", endpoint_url=local_stack.state["endpoints"]["sqs"], **LOCAL_CREDENTIALS)
    merchant = token(sub="u-1", role="merchant", merchant_id="m-1")
    assert call(local_stack.api, "PUT", "/merchants/m-1/fast-refund-service", merchant, {"enabled": True})[0] == 200
    paid_at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()  # after the enrolment: with the badge
    message = paid_order_message(paid_amount_fen=25_000, paid_at=paid_at)
    sqs.send_message(QueueUrl=local_stack.state["outputs"]["OrderEventsQueueUrl"], MessageBody=json.dumps(message))
    buyer = token(sub="b-1", role="buyer")
    assert eventually(lambda: call(local_stack.api, "GET", "/orders/o-1/fast-refund-eligibility", buyer)[0] == 200)
    status, refund = call(local_stack.api, "POST", "/orders/o-1/refund-requests", buyer, {})
    assert (status, refund["status"]) == (HTTPStatus.CREATED, "AUTO_REFUNDED")
    candidate = json.loads(Template.load().resources["RulesParameter"]["Properties"]["Value"])
    for version in candidate["versions"]:
        version["paid_amount_below_fen"] = 20_000
    (tmp_path / "candidate.json").write_text(json.dumps(candidate))

    command = [sys.executable, "-m", "scripts.simulate_rules", str(tmp_path / "candidate.json")]
    done = subprocess.run(
        [*command, "--state-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,  # the stack's state
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 decisions from the local stack's table")
    assert "auto-refunded -> review: 1 decisions, 250.00 yuan" in done.stdout
    assert "(e.g. o-1)" in done.stdout
