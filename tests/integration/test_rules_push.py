"""A bad push of the rules document cannot break the service: a container keeps the last valid document it read,
and says once what was wrong; a container that never read a valid one answers 503 RULES_UNAVAILABLE."""

import json
from http import HTTPStatus

from fastrefund.platform import aws_clients
from tests.support import api_event, buyer, enrol_since, invoke, pay, response_json

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
