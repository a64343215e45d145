"""schemathesis against the running local stack, from the committed docs/openapi.json (issue 9).

Every operation is fuzzed for each role with a valid token and ids that exist (the seeded order, the
role's own merchant). Each answer must not be a server error and must be one the document declares,
with its content type and schema. A refused answer (4xx) must change nothing: every table is scanned
before and after the call and compared.
"""

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from http import HTTPStatus

import boto3
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from devtools.catalogue.template import ROOT, Template
from devtools.emulator.api_client import LOCAL_CREDENTIALS, call, eventually
from devtools.emulator.local_stack_process import RunningStack, start_stack, wait_until_answering
from devtools.invoking.sample_events import paid_order_message
from fastrefund.domain.notices import OUTBOXES
from tests.support import token

# per operation and role: the suite keeps it small; `make soak` runs 50, `make fuzz FUZZ_EXAMPLES=200` deeper
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "6"))
ORDER_ID = "o-fuzz"
ROLES = {
    "buyer": {"sub": "b-1", "role": "buyer"},
    "merchant": {"sub": "u-1", "role": "merchant", "merchant_id": "m-1"},
    "erp": {"sub": "erp-1", "role": "erp", "merchant_id": "m-1"},
    "ops": {"sub": "ops-1", "role": "ops"},
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Every table of the stack, as its outputs name them (a unit test holds that every table has one), so that a table
# added later is compared too
TABLE_OUTPUTS = Template.load().table_outputs()

# Only the fuzzing phase, a bounded number of examples each: the tier stays within a few minutes.
schema = schemathesis.openapi.from_path(
    ROOT / "docs" / "openapi.json",
    config=schemathesis.Config.from_dict(
        {
            "phases": {
                "examples": {"enabled": False},
                "coverage": {"enabled": False},
                "stateful": {"enabled": False},
            },
            "parameters": {"path.order_id": ORDER_ID, "path.merchant_id": "m-1"},
        }
    ),
)
tally: Counter[tuple[str, str, int]] = Counter()  # (operation, role, status): examples


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[RunningStack]:
    state_dir = tmp_path_factory.mktemp("fuzzed-stack")
    process = start_stack(state_dir)
    running = wait_until_answering(process, state_dir)
    seed(running)
    yield running
    print(f"\nschemathesis: {summary()}")
    running.stop()


def seed(stack: RunningStack) -> None:
    """The merchant enrolled, and one paid order of buyer b-1 at merchant m-1, readable through the API."""
    merchant = token(**ROLES["merchant"])
    assert call(stack.api, "PUT", "/merchants/m-1/fast-refund-service", merchant, {"enabled": True})[0] == 200
    sqs = boto3.client("sqs", endpoint_url=stack.state["endpoints"]["sqs"], **LOCAL_CREDENTIALS)
    order = paid_order_message(order_id=ORDER_ID, paid_at=datetime.now(UTC).isoformat())
    sqs.send_message(QueueUrl=stack.state["outputs"]["OrderEventsQueueUrl"], MessageBody=json.dumps(order))
    path = f"/orders/{ORDER_ID}/fast-refund-eligibility"
    assert eventually(lambda: call(stack.api, "GET", path, token(**ROLES["buyer"]))[0] == HTTPStatus.OK)


# Written in the background, whatever the API answers: the publishers drop a request's owed marks once its
# notice or payout is out.
PUBLISHING_BOOKKEEPING = {f"{outbox.name}_owed{suffix}" for outbox in OUTBOXES for suffix in ("", "_since")}
# and a report's run (a policy trial, a statement export) finishes its record (a refused request starts no report:
# the record itself is compared)
REPORT_RUN_WRITES = {"status", "result", "finished_at", "object_key", "rows"}
REPORT_RECORDS = ("TRIAL#", "EXPORT#")
# A refusal that records what it refused: a shipment refused because the order was refunded first is kept on the
# refund, as a shipment stopped (the merchant's statement counts it)
REFUSAL_RECORDS = {"stopped_shipments"}
# The statement is written in the background only, from the refunds table's changes (compared above)
BACKGROUND_TABLES = {"StatementTableName"}


def _foreground(item: dict) -> dict:
    """An item without what the background writes of it, whatever the API answered meanwhile."""
    report = item.get("record", {}).get("S", "").startswith(REPORT_RECORDS)
    background = PUBLISHING_BOOKKEEPING | REFUSAL_RECORDS | (REPORT_RUN_WRITES if report else set())
    return {attribute: value for attribute, value in item.items() if attribute not in background}


def every_table(stack: RunningStack) -> dict[str, list[dict]]:
    dynamodb = boto3.client("dynamodb", endpoint_url=stack.state["endpoints"]["dynamodb"], **LOCAL_CREDENTIALS)
    tables = {}
    for output in (output for output in TABLE_OUTPUTS if output not in BACKGROUND_TABLES):
        name = stack.state["outputs"][output]
        items = [
            _foreground(item)
            for page in dynamodb.get_paginator("scan").paginate(TableName=name)
            for item in page["Items"]
        ]
        tables[name] = sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return tables


def summary() -> str:
    operations = {operation for operation, _, _ in tally}
    roles = {role for _, role, _ in tally}
    statuses = Counter[int]()
    for (_, _, status), count in tally.items():
        statuses[status] += count
    refused = sum(count for status, count in statuses.items() if status >= HTTPStatus.BAD_REQUEST)
    return (
        f"{len(operations)} operations, {len(roles)} roles, {tally.total()} examples, "
        f"answers by status {dict(sorted(statuses.items()))}; "
        f"{refused} refused answers with every table compared before and after"
    )


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_answer_is_declared_and_a_refusal_changes_nothing(case, role, stack):
    before = every_table(stack)
    # the token of the role; schemathesis also sends some cases with no token at all (401, declared)
    response = case.call_and_validate(
        base_url=stack.api, headers={"Authorization": f"Bearer {token(**ROLES[role])}"}, checks=CHECKS
    )
    refused = HTTPStatus.BAD_REQUEST <= response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    if refused:
        assert every_table(stack) == before, f"{case.method} {case.formatted_path} answered {response.status_code}"
    tally[(f"{case.method} {case.path}", role, response.status_code)] += 1
