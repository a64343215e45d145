"""A bad push of the rules document cannot break the service: a container keeps the last valid document it read,
and says once what was wrong; a container that never read a valid one answers 503 RULES_UNAVAILABLE."""

import json
from http import HTTPStatus

import pytest
from botocore.exceptions import ClientError

from fastrefund.platform import aws_clients
from tests.conftest import reset_caches
from tests.support import api_event, buyer, enrol_since, invoke, merchant, pay, response_json

INVALID = json.dumps({"versions": "nope"})


def push(stack, document: str) -> None:
    stack.ssm.put_parameter(Name=stack.table("RulesParameter"), Value=document, Overwrite=True)
    aws_clients.reset()  # the parameter's cache has expired: the container reads the new document


def ask(order_id: str, route: str = "orders_api_refund_request") -> dict:
    return invoke("orders_api", api_event(route, caller=buyer(), path={"order_id": order_id}, body={}))


def test_an_invalid_push_leaves_the_last_valid_rules_in_force_and_is_told_once(stack, capsys, caplog):
    enrol_since("2026-01-01T00:00:00+08:00")
    for number in range(20):
        pay(order_id=f"o-{number}")
    assert response_json(ask("o-0"))["rule_version"] == "2023-09-13"
    push(stack, INVALID)
    capsys.readouterr()

    answers = [ask(f"o-{number}") for number in range(1, 20)] + [ask("o-0", "orders_api_eligibility")]

    assert {answer["statusCode"] for answer in answers} <= {HTTPStatus.CREATED, HTTPStatus.OK}
    assert {response_json(answer)["rule_version"] for answer in answers[:-1]} == {"2023-09-13"}
    [rejected] = [record for record in caplog.records if "rules document rejected" in record.getMessage()]
    assert rejected.levelname == "ERROR" and rejected.faults[0]["field"] == "versions"
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    # told once, not on each of the 20 requests
    assert [line["RulesDocumentRejected"] for line in emitted if "RulesDocumentRejected" in line] == [[1.0]]


def test_a_container_with_no_valid_rules_answers_503_and_changes_nothing(stack):
    enrol_since("2026-01-01T00:00:00+08:00")
    pay()
    push(stack, INVALID)

    for route in ("orders_api_refund_request", "orders_api_eligibility"):
        answer = ask("o-1", route)
        assert answer["statusCode"] == HTTPStatus.SERVICE_UNAVAILABLE
        assert response_json(answer)["error"]["code"] == "RULES_UNAVAILABLE"
        assert answer["multiValueHeaders"]["Retry-After"] == ["30"]
    items = stack.dynamodb.scan(TableName=stack.table("RefundsTable"))["Items"]
    assert items == []


def throttled(*_, **__):
    raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "GetParameter")


def test_ssm_throttled_when_the_cache_expires_leaves_the_last_valid_rules_in_force(stack, monkeypatch):
    enrol_since("2026-01-01T00:00:00+08:00")
    pay(order_id="o-1")
    pay(order_id="o-2")
    assert ask("o-1")["statusCode"] == HTTPStatus.CREATED
    aws_clients.reset()  # the cache expires, and SSM throttles the next read
    monkeypatch.setattr(aws_clients.client("ssm"), "get_parameter", throttled)

    answer = ask("o-2")

    assert answer["statusCode"] == HTTPStatus.CREATED
    assert response_json(answer)["rule_version"] == "2023-09-13"


def test_ssm_throttled_before_any_rules_were_read_is_503_with_retry_after(stack, monkeypatch):
    enrol_since("2026-01-01T00:00:00+08:00")
    pay()
    monkeypatch.setattr(aws_clients.client("ssm"), "get_parameter", throttled)

    answer = ask("o-1")

    assert answer["statusCode"] == HTTPStatus.SERVICE_UNAVAILABLE
    assert response_json(answer)["error"]["code"] == "RULES_UNAVAILABLE"
    assert answer["multiValueHeaders"]["Retry-After"] == ["30"]


@pytest.mark.parametrize("content", [b"\xff\xfe not text", None], ids=["not UTF-8", "missing"])
def test_a_rules_file_that_cannot_be_read_is_503_never_the_callers_fault(stack, monkeypatch, tmp_path, content):
    enrol_since("2026-01-01T00:00:00+08:00")
    pay()
    rules = tmp_path / "rules.json"
    if content is not None:
        rules.write_bytes(content)
    monkeypatch.setenv("RULES_FILE", str(rules))
    reset_caches()

    answer = ask("o-1")

    assert answer["statusCode"] == HTTPStatus.SERVICE_UNAVAILABLE, answer["body"]
    assert response_json(answer)["error"]["code"] == "RULES_UNAVAILABLE"


def test_a_merchant_asking_for_the_ops_only_buyer_view_is_403_whatever_the_rules(stack):
    push(stack, INVALID)  # no valid rules in this container

    answer = invoke("workbench_api", api_event("workbench_api_buyer_refunds", caller=merchant()))

    assert answer["statusCode"] == HTTPStatus.FORBIDDEN
