"""The walkthrough of docs/local-stack.md, end to end, against the local stack over HTTP and the AWS endpoints."""

import json
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import boto3
import pytest

from devtools.catalogue.template import ROOT, TEMPLATE, Template
from devtools.emulator.api_client import LOCAL_CREDENTIALS, call, eventually
from devtools.emulator.local_stack_process import start_stack, wait_until_answering
from devtools.invoking.sample_events import paid_order_message
from tests.support import token


def test_the_walkthrough_from_enrolment_to_the_refused_shipment(local_stack):
    api, endpoints, outputs = local_stack.api, local_stack.state["endpoints"], local_stack.state["outputs"]
    sqs = boto3.client("sqs", endpoint_url=endpoints["sqs"], **LOCAL_CREDENTIALS)
    merchant = token(sub="u-1", role="merchant", merchant_id="m-1")
    buyer = token(sub="b-1", role="buyer")

    # 1. the merchant joins the fast refund service
    assert call(api, "PUT", "/merchants/m-1/fast-refund-service", merchant, {"enabled": True})[0] == HTTPStatus.OK
    # 2. the order system sends ORDER_PAID to the queue
    paid_at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    message = paid_order_message(paid_at=paid_at)
    sqs.send_message(QueueUrl=outputs["OrderEventsQueueUrl"], MessageBody=json.dumps(message))
    # 3. the ERP subscribes a queue to the merchant's notices
    erp_queue = sqs.create_queue(QueueName="m-1-erp-notices")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=erp_queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    status, subscription = call(
        api, "PUT", "/merchants/m-1/notice-subscriptions", merchant, {"protocol": "sqs", "endpoint": arn}
    )
    assert status == HTTPStatus.OK, subscription
    # 4. the buyer asks for a refund once the order has arrived
    assert eventually(lambda: call(api, "GET", "/orders/o-1/fast-refund-eligibility", buyer)[1].get("eligible"))
    status, refund = call(api, "POST", "/orders/o-1/refund-requests", buyer, {"reason": "ordered by mistake"})
    assert status == HTTPStatus.CREATED
    assert refund["status"] == "AUTO_REFUNDED"
    # 5. the notice arrives on the ERP's queue
    messages = eventually(
        lambda: sqs.receive_message(QueueUrl=erp_queue, MessageAttributeNames=["All"]).get("Messages")
    )
    notice = json.loads(messages[0]["Body"])
    assert notice["refund_id"] == refund["refund_id"]
    assert notice["action"] == "STOP_SHIPMENT"
    assert messages[0]["MessageAttributes"]["merchant_id"]["StringValue"] == "m-1"
    # 6. the shipment is refused
    status, refused = call(api, "POST", "/orders/o-1/shipments", merchant, {"carrier": "SF", "tracking_number": "SF1"})
    assert status == HTTPStatus.CONFLICT
    assert refused["action"] == "STOP_SHIPMENT"
    assert refused["refund_id"] == refund["refund_id"]
    # and the gateway's own answers keep the error body
    status, body = call(api, "GET", "/orders/o-1/fast-refund-eligibility")
    assert (status, body["error"]["code"]) == (HTTPStatus.UNAUTHORIZED, "UNAUTHENTICATED")

    code, output = local_stack.stop()
    assert code == 0
    assert "local stack stopped" in output


def test_the_outputs_file_names_every_template_output_and_endpoint(local_stack):
    state = local_stack.state
    assert set(state["outputs"]) == set(Template.load().body["Outputs"])
    assert "MerchantNoticesTopic" in state["outputs"]["MerchantNoticesTopicArn"]
    assert set(state["endpoints"]) >= {"dynamodb", "sns", "sqs", "ssm"}
    assert local_stack.stop()[0] == 0


def test_make_invoke_runs_a_handler_against_the_stack_with_its_env_vars_file(local_stack, tmp_path):
    def make_invoke(function: str, event: str) -> dict:
        command = [
            sys.executable,
            "-m",
            "devtools.cli.invoke",
            "--function",
            function,
            "--event",
            f"events/{event}.json",
        ]
        done = subprocess.run([*command, "--state-dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    env_vars = json.loads((tmp_path / "env.json").read_text())
    assert set(env_vars) == set(Template.load().functions)
    assert env_vars["ReconcilerFunction"]["REFUNDS_TABLE"] == local_stack.state["outputs"]["RefundsTableName"]
    assert make_invoke("reconciler", "reconciler_scheduled") == {"notices": 0, "payouts": 0}
    # The sample's order was never paid on this stack: its tables answer, and say so
    answer = make_invoke("OrdersApiFunction", "orders_api_eligibility")
    assert (answer["statusCode"], json.loads(answer["body"])["error"]["code"]) == (404, "ORDER_NOT_FOUND")


def test_a_template_it_cannot_run_is_refused_naming_the_function_and_the_feature(tmp_path):
    broken = tmp_path / "template.yaml"
    text = TEMPLATE.read_text().replace("CodeUri: functions/orders_api/", "CodeUri: functions/no_such_function/")
    text = text.replace(
        "        OrderEvents:\n",
        "        Nightly:\n          Type: Schedule\n"
        "          Properties:\n            Schedule: cron(0 2 * * ? *)\n        OrderEvents:\n",
        1,
    )
    text = text.replace("POWERTOOLS_LOG_LEVEL: INFO", "POWERTOOLS_LOG_LEVEL: !Join ['', [IN, FO]]")
    text = text.replace("Resource: !GetAtt RefundsTable.Arn", "Resource: !GetAtt RefundTable.Arn", 1)
    broken.write_text(text)

    process = start_stack(tmp_path, "--template", str(broken))
    output, _ = process.communicate(timeout=60)

    assert process.returncode != 0
    assert "function OrdersApiFunction: CodeUri 'functions/no_such_function/' has no app.py" in output
    assert "function OrderEventsFunction: event Nightly: schedule 'cron(0 2 * * ? *)' is not a rate()" in output
    assert "!Join in Function.Environment.Variables.POWERTOOLS_LOG_LEVEL cannot be resolved" in output
    assert "refers to 'RefundTable', which the template does not define" in output
    assert not (tmp_path / "outputs.json").exists()


def test_rules_file_replaces_the_rule_configuration(tmp_path, monkeypatch):
    rules = {"versions": [{"version": "local-100", "effective_from": None, "paid_amount_below_fen": 10000}]}
    (tmp_path / "rules.json").write_text(json.dumps(rules))
    monkeypatch.setenv("RULES_FILE", str(tmp_path / "rules.json"))
    stack = wait_until_answering(start_stack(tmp_path), tmp_path)
    try:
        sqs = boto3.client("sqs", endpoint_url=stack.state["endpoints"]["sqs"], **LOCAL_CREDENTIALS)
        message = paid_order_message(paid_at=datetime.now(UTC).isoformat())
        sqs.send_message(
            QueueUrl=stack.state["outputs"]["OrderEventsQueueUrl"],
            MessageBody=json.dumps(message),
        )
        buyer = token(sub="b-1", role="buyer")

        answer = eventually(
            lambda: call(stack.api, "GET", "/orders/o-1/fast-refund-eligibility", buyer)[1].get("checks")
        )

        assert answer[0]["rule_version"] == "local-100"
        assert "AMOUNT_OVER_LIMIT" in answer[0]["reasons"]

        # A bad push while running: the file is read again within a second, rejected, and the last valid
        # rules stay in force
        (tmp_path / "rules.json").write_text('{"versions": "nope"}')
        assert eventually(
            lambda: (
                call(stack.api, "GET", "/orders/o-1/fast-refund-eligibility", buyer)
                and "rules document rejected" in stack.output()
            )
        )
        status, after = call(stack.api, "GET", "/orders/o-1/fast-refund-eligibility", buyer)

        assert (status, after["checks"][0]["rule_version"]) == (200, "local-100")
    finally:
        code, output = stack.stop()
        assert code == 0
    assert "rules document rejected" in output and '"field":"versions"' in output.replace(" ", "")


def test_a_malformed_rules_file_stops_the_start(tmp_path, monkeypatch):
    (tmp_path / "rules.json").write_text('{"versions": []}')
    monkeypatch.setenv("RULES_FILE", str(tmp_path / "rules.json"))

    process = start_stack(tmp_path)
    output, _ = process.communicate(timeout=60)

    assert process.returncode != 0
    assert "cannot be used" in output and "versions" in output


@pytest.mark.parametrize("flag", ["--api-port", "--moto-port", "--dynamodb-port"])
def test_a_taken_port_is_refused_naming_it_and_its_flag(tmp_path, flag):
    # Given something already listening on the port the stack would take
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        process = start_stack(tmp_path, flag, str(port))  # the last of a repeated flag wins
        output, _ = process.communicate(timeout=60)

    assert process.returncode != 0
    assert f"port {port} is taken" in output and flag in output
    assert "Traceback" not in output
    assert not (tmp_path / "outputs.json").exists()
