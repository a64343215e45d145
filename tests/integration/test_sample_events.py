"""Every file in events/ runs through its function as `sam local invoke -e` would run it."""

import json
from http import HTTPStatus
from pathlib import Path

import pytest

from devtools.template import Template
from tests.support import EVENTS, enrol_since, event, invoke

SAMPLES = sorted(path.stem for path in EVENTS.glob("*.json"))
FUNCTIONS = {function.name for function in Template.load().functions.values()}


def function_of(sample: str) -> str:
    return max((name for name in FUNCTIONS if sample.startswith(name + "_")), key=len)


@pytest.mark.parametrize("sample", SAMPLES)
def test_each_sample_event_succeeds_with_its_function(stack, sample):
    # Given the orders of the sample batch, from an enrolled merchant
    enrol_since("2026-01-01T00:00:00+08:00")
    assert invoke("order_events", event("order_events_batch")) == {"batchItemFailures": []}

    result = invoke(function_of(sample), event(sample))

    match function_of(sample):
        case "orders_api" | "merchants_api":
            assert result["statusCode"] in (HTTPStatus.OK, HTTPStatus.CREATED), result["body"]
            assert result["multiValueHeaders"]["Content-Type"] == ["application/json"]
        case "authorizer":
            assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
        case "order_events" if sample.endswith("malformed"):
            assert len(result["batchItemFailures"]) == 2
        case "order_events":
            assert result == {"batchItemFailures": []}


def test_every_sample_names_a_function():
    assert all(function_of(sample) for sample in SAMPLES)
    assert {function_of(sample) for sample in SAMPLES} == set(FUNCTIONS)


def test_every_sample_is_an_event_the_template_routes():
    """API samples use a resource and method that template.yaml routes to their function."""
    template = Template.load()
    routed = {(route.path, route.method, template.functions[route.function].name) for route in template.routes}
    for sample in SAMPLES:
        body = json.loads(Path(EVENTS / f"{sample}.json").read_text())
        if "httpMethod" in body:
            assert (body["resource"], body["httpMethod"], function_of(sample)) in routed, sample
