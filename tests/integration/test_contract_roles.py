"""The routes table of docs/contract.md, held to the code: every role it lists for a route may call it (on its
own order or merchant), and every role it leaves out is refused. Each route is called through its handler, as
each role, on an order in review of the caller's own buyer or merchant."""

import json
import re
from http import HTTPStatus

import pytest

from devtools.catalogue.template import ROOT, Template
from devtools.invoking.sample_events import EVENTS
from tests.support import api_event, buyer, enrol_since, event, invoke, merchant, ops, pay, response_json

ROLES = {"buyer": buyer(), "merchant": merchant(), "erp": merchant(role="erp"), "ops": ops()}
ROW = re.compile(r"^\| `(GET|POST|PUT|DELETE) (/[^`]+)` \| ([^|]+) \|", re.MULTILINE)
# What a refused caller gets: 403, or the 404 of an order it may not see (so that ids cannot be probed).
REFUSALS = {"FORBIDDEN", "ORDER_NOT_FOUND"}


def documented_roles() -> dict[tuple[str, str], set[str]]:
    table = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    return {
        (method, path): {role for role in ROLES if re.search(rf"\b{role}\b", who)}
        for method, path, who in ROW.findall(table)
    }


def sample_of(method: str, path: str) -> str:
    for sample in sorted(EVENTS.glob("*.json")):
        body = json.loads(sample.read_text(encoding="utf-8"))
        if (body.get("httpMethod"), body.get("resource")) == (method, path):
            return sample.stem
    raise AssertionError(f"no sample event for {method} {path}")


DOCUMENTED = documented_roles()
TEMPLATE = Template.load()


def test_the_table_documents_every_route_of_the_template_and_no_other():
    assert set(DOCUMENTED) == {(route.method, route.path) for route in TEMPLATE.routes}
    assert all(DOCUMENTED.values()), "every route names who may call it"


@pytest.mark.parametrize("route", sorted(DOCUMENTED), ids=" ".join)
def test_each_listed_role_may_call_the_route_and_every_other_is_refused(stack, route):
    method, path = route
    [function] = [TEMPLATE.functions[r.function].name for r in TEMPLATE.routes if (r.method, r.path) == route]
    # Given o-1 of buyer b-1 and merchant m-1, with a request in review (450 yuan: over the guarantee)
    enrol_since("2026-01-01T00:00:00+08:00")
    pay(paid_amount_fen=45000)
    asked = invoke("orders_api", api_event("orders_api_refund_request", caller=buyer(), path={"order_id": "o-1"}))
    assert asked["statusCode"] == HTTPStatus.CREATED
    sample = sample_of(method, path)
    parameters = {"order_id": "o-1", "merchant_id": "m-1", "refund_id": response_json(asked)["refund_id"]}
    path_parameters = {
        name: parameters.get(name, value) for name, value in (event(sample)["pathParameters"] or {}).items()
    }

    # When each role calls it, then it is refused exactly when the table leaves the role out
    answered = {}
    for role, caller in ROLES.items():
        response = invoke(function, api_event(sample, caller=caller, path=path_parameters))
        body = json.loads(response["body"]) if response.get("body") else {}
        code = body["error"]["code"] if "error" in body else None
        assert response["statusCode"] < HTTPStatus.INTERNAL_SERVER_ERROR, (role, response)
        answered[role] = code not in REFUSALS
    assert answered == {role: role in DOCUMENTED[route] for role in ROLES}
