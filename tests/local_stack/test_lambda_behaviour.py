"""The local stack runs functions as Lambda does, seen over HTTP: invocations of one function run at the
same time in environments of their own (so the service's races happen here too, and it survives them),
an invocation past its Timeout is stopped (504), an environment killed mid-invocation answers 502 and is
replaced, and a cold start shows in the logs."""

import json
import os
import re
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import boto3
import pytest

from devtools.catalogue.template import TEMPLATE
from devtools.emulator.api_client import LOCAL_CREDENTIALS, call, eventually
from devtools.emulator.local_stack_process import start_stack, wait_until_answering
from devtools.invoking.sample_events import paid_order_message
from tests.support import token

# The service's template and one function of the tests' own, which sleeps as long as asked (Timeout 2 s).
SLEEPY = """
  SleepyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/local_stack/sleepy/
      Timeout: 2
      Events:
        Sleep:
          Type: Api
          Properties:
            RestApiId: !Ref FastRefundApi
            Path: /sleep
            Method: GET
"""
REFUNDS_AT_ONCE = 50
RACES = 20
ORDER_FEN = 19900
DAILY_LIMIT_FEN = 100000  # room for 5 of the 50


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stack")
    text = TEMPLATE.read_text(encoding="utf-8")
    (folder / "template.yaml").write_text(text.replace("\nOutputs:", SLEEPY + "\nOutputs:", 1), encoding="utf-8")
    running = wait_until_answering(start_stack(folder, "--template", str(folder / "template.yaml")), folder)
    yield running
    if running.process.poll() is None:
        running.stop()


def send_orders(stack, *messages: dict) -> None:
    sqs = boto3.client("sqs", endpoint_url=stack.state["endpoints"]["sqs"], **LOCAL_CREDENTIALS)
    for first in range(0, len(messages), 10):
        entries = [{"Id": str(n), "MessageBody": json.dumps(m)} for n, m in enumerate(messages[first : first + 10])]
        sqs.send_message_batch(QueueUrl=stack.state["outputs"]["OrderEventsQueueUrl"], Entries=entries)


def most_at_once(output: str, function: str) -> int:
    """The most invocations of the function that were running at the same time, from START/REPORT lines."""
    running, most = set(), 0
    for line in output.splitlines():
        if found := re.search(rf"START RequestId: (\S+) Function: {function} ", line):
            running.add(found[1])
            most = max(most, len(running))
        elif found := re.search(r"REPORT RequestId: (\S+) ", line):
            running.discard(found[1])
    return most


def test_fifty_refunds_at_once_run_concurrently_and_never_pass_the_daily_limit(stack):
    api, merchant = stack.api, token(sub="u-9", role="merchant", merchant_id="m-busy")
    policy = {
        "enabled": True,
        "max_refund_amount_fen": 50000,
        "daily_limit_amount_fen": DAILY_LIMIT_FEN,
        "product_scope": {"mode": "ALL", "product_ids": []},
    }
    assert call(api, "PUT", "/merchants/m-busy/auto-refund-policy", merchant, policy)[0] == HTTPStatus.OK
    paid_at = datetime.now(UTC).isoformat()
    orders = [f"o-busy-{n}" for n in range(REFUNDS_AT_ONCE)]
    unbadged = {"merchant_id": "m-busy", "fast_refund_badge": False, "paid_amount_fen": ORDER_FEN, "paid_at": paid_at}
    send_orders(stack, *(paid_order_message(order_id=o, buyer_id=f"b-{o}", **unbadged) for o in orders))
    for order_id in orders:
        assert eventually(
            lambda o=order_id: call(api, "GET", f"/orders/{o}/fast-refund-eligibility", merchant)[0] == 200
        )

    def ask(order_id: str) -> tuple[int, dict]:  # cold starts included: a generous client timeout
        return call(
            api, "POST", f"/orders/{order_id}/refund-requests", token(sub=f"b-{order_id}", role="buyer"), timeout=120
        )

    with ThreadPoolExecutor(REFUNDS_AT_ONCE) as pool:
        answers = list(pool.map(ask, orders))

    assert {status for status, _ in answers} == {HTTPStatus.CREATED}
    approved = [refund for _, refund in answers if refund["status"] == "AUTO_REFUNDED"]
    usage = call(api, "GET", "/merchants/m-busy/settings", merchant)[1]["today"]
    at_once = most_at_once(stack.output(), "OrdersApiFunction")
    print(f"\n{REFUNDS_AT_ONCE} refunds at once: {len(approved)} auto-refunded, up to {at_once} invocations at a time")
    assert at_once > 1
    assert len(approved) * ORDER_FEN <= DAILY_LIMIT_FEN < (len(approved) + 1) * ORDER_FEN
    assert usage["auto_refunded_amount_fen"] == sum(refund["amount_fen"] for refund in approved)
    assert usage["auto_refunded_count"] == len(approved)


def test_each_race_of_a_refund_and_a_shipment_has_one_winner(stack):
    api, merchant = stack.api, token(sub="u-8", role="merchant", merchant_id="m-race")
    assert call(api, "PUT", "/merchants/m-race/fast-refund-service", merchant, {"enabled": True})[0] == HTTPStatus.OK
    paid_at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    orders = [f"o-race-{n}" for n in range(RACES)]
    send_orders(
        stack,
        *(paid_order_message(order_id=o, merchant_id="m-race", buyer_id=f"b-{o}", paid_at=paid_at) for o in orders),
    )
    for order_id in orders:
        assert eventually(
            lambda o=order_id: call(api, "GET", f"/orders/{o}/fast-refund-eligibility", merchant)[0] == 200
        )

    def race(order_id: str) -> tuple[tuple[int, dict], tuple[int, dict]]:
        buyer, start = token(sub=f"b-{order_id}", role="buyer"), threading.Barrier(2)

        def refund():
            start.wait()
            return call(api, "POST", f"/orders/{order_id}/refund-requests", buyer)

        def ship():
            start.wait()
            return call(
                api, "POST", f"/orders/{order_id}/shipments", merchant, {"carrier": "SF", "tracking_number": order_id}
            )

        with ThreadPoolExecutor(2) as pair:
            refunded, shipped = pair.submit(refund), pair.submit(ship)
            return refunded.result(), shipped.result()

    outcomes = [race(order_id) for order_id in orders]
    refund_won = [r["status"] == "AUTO_REFUNDED" for (_, r), _ in outcomes]
    shipment_won = [status == HTTPStatus.OK for _, (status, _) in outcomes]
    print(f"\n{RACES} refund-vs-shipment races: the refund won {sum(refund_won)}, the shipment {sum(shipment_won)}")
    assert all(r != s for r, s in zip(refund_won, shipment_won, strict=True)), "exactly one winner per race"
    for (_, refund), (status, shipment) in outcomes:
        if status == HTTPStatus.CONFLICT:
            assert (shipment["error"]["code"], shipment["refund_id"]) == ("ORDER_REFUNDED", refund["refund_id"])
        else:
            assert refund["status"] == "PENDING_REVIEW" and "ORDER_SHIPPED" in refund["reasons"]


def test_an_invocation_past_its_timeout_is_stopped_and_answers_504(stack):
    anyone = token(sub="b-1", role="buyer")

    before = len(stack.output())
    status, body = call(stack.api, "GET", "/sleep?seconds=5", anyone)

    assert (status, body["error"]["code"]) == (HTTPStatus.GATEWAY_TIMEOUT, "TIMEOUT")
    # the REPORT line comes on the stack's stderr, which may be read after the answer (as logs arrive on Lambda):
    # stopped at its 2-second timeout, before its 5-second sleep could end
    [duration] = eventually(lambda: re.findall(r"Duration: ([\d.]+) ms Status: timeout", stack.output()[before:]))
    assert 2000 <= float(duration) < 5000
    assert call(stack.api, "GET", "/sleep?seconds=0", anyone) == (HTTPStatus.OK, {"slept": 0.0})


def test_an_environment_killed_mid_invocation_answers_502_and_is_replaced(stack):
    anyone = token(sub="b-1", role="buyer")
    call(stack.api, "GET", "/sleep?seconds=0", anyone)  # a warm environment to kill
    before = stack.output()

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(call, stack.api, "GET", "/sleep?seconds=1.5", anyone)
        started = eventually(
            lambda: re.findall(r"Function: SleepyFunction Environment: (\d+)", stack.output()[len(before) :])
        )
        os.kill(int(started[-1]), signal.SIGKILL)
        status, body = pending.result()

    assert (status, body["error"]["code"]) == (HTTPStatus.BAD_GATEWAY, "INTERNAL_ERROR")
    assert call(stack.api, "GET", "/sleep?seconds=0", anyone) == (HTTPStatus.OK, {"slept": 0.0})
    started_cold = eventually(lambda: "Init Duration" in stack.output()[len(before) :].partition("Status: error")[2])
    assert started_cold, "a new environment, started cold"


def test_a_cold_start_is_reported_once_per_environment(stack):
    # six authorized calls of its own, whatever ran before it: the authorizer runs for each
    for n in range(6):
        assert call(stack.api, "GET", "/sleep?seconds=0", token(sub=f"b-{n}", role="buyer"))[0] == HTTPStatus.OK

    def authorizer_lines() -> tuple[set[str], list[str]] | None:
        output = stack.output()
        environments = set(re.findall(r"Function: AuthorizerFunction Environment: (\d+)", output))
        reports = [line for line in output.splitlines() if line.startswith("REPORT") and "AuthorizerFunction" in line]
        return (environments, reports) if len(reports) >= 6 else None

    environments, reports = eventually(authorizer_lines)
    cold = [line for line in reports if "Init Duration" in line]
    assert len(cold) == len(environments) < len(reports), "one cold start per environment, the rest warm"
    # and a function of the service counts its cold start with Powertools' metric
    assert (
        call(stack.api, "GET", "/orders/o-none/fast-refund-eligibility", token(sub="b-0", role="buyer"))[0]
        == HTTPStatus.NOT_FOUND
    )
    assert eventually(lambda: '"ColdStart"' in stack.output())
