"""The committed API document is the one the code builds (`make openapi` refreshes it)."""

import json

import pytest

from devtools.catalogue.template import ROOT, Template
from scripts.message_schemas import SCHEMAS, build_schema
from scripts.openapi import build_document


def test_the_committed_openapi_document_is_current():
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))

    assert committed == build_document(), "docs/openapi.json is stale: run `make openapi`"


@pytest.mark.parametrize("name", SCHEMAS)
def test_the_committed_message_schemas_are_current(name):
    committed = json.loads((ROOT / "docs" / f"{name}.schema.json").read_text(encoding="utf-8"))

    assert committed == build_schema(name), f"docs/{name}.schema.json is stale: run `make openapi`"


def test_every_route_of_the_template_is_documented():
    routed = {(route.path, route.method.lower()) for route in Template.load().routes}
    documented = {(path, method) for path, methods in build_document()["paths"].items() for method in methods}

    assert documented == routed


def test_every_operation_declares_its_success_and_what_it_returns():
    for path, operations in build_document()["paths"].items():
        for method, operation in operations.items():
            successes = {status: answer for status, answer in operation["responses"].items() if status < "300"}

            assert successes, f"{method} {path} declares no success"
            for status, answer in successes.items():
                if status != "204":
                    schema = answer["content"]["application/json"]["schema"]
                    assert "$ref" in schema, f"{method} {path} {status} has no body schema"


def test_a_route_that_takes_a_body_declares_415():
    for path, operations in build_document()["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert "415" in operation["responses"], f"{method} {path}"


def test_each_operation_has_the_id_a_generated_client_names_it_by():
    # Stable: renaming one breaks every client generated from this document, so a change fails here first.
    operations = json.loads((ROOT / "docs" / "openapi.json").read_text())["paths"]
    ids = {
        f"{method.upper()} {path}": spec["operationId"]
        for path, item in operations.items()
        for method, spec in item.items()
    }

    assert ids == {
        "GET /orders/{order_id}/fast-refund-eligibility": "getEligibility",
        "POST /orders/{order_id}/refund-requests": "requestRefund",
        "GET /orders/{order_id}/refund-requests": "listRefundRequests",
        "POST /orders/{order_id}/shipments": "recordShipment",
        "POST /orders/{order_id}/refund-requests/{refund_id}/approve": "approveRefundRequest",
        "POST /orders/{order_id}/refund-requests/{refund_id}/reject": "rejectRefundRequest",
        "POST /orders/{order_id}/refund-requests/{refund_id}/cancel": "withdrawRefundRequest",
        "POST /orders/{order_id}/refund-requests/{refund_id}/payout-retries": "retryPayout",
        "GET /merchants/{merchant_id}/settings": "getMerchantSettings",
        "PUT /merchants/{merchant_id}/fast-refund-service": "setFastRefundService",
        "PUT /merchants/{merchant_id}/auto-refund-policy": "setAutoRefundPolicy",
        "POST /merchants/{merchant_id}/refund-checks": "checkOrdersBeforeShipping",
        "POST /merchants/{merchant_id}/auto-refund-policy/trials": "startPolicyTrial",
        "GET /merchants/{merchant_id}/auto-refund-policy/trials/{trial_id}": "getPolicyTrial",
        "GET /merchants/{merchant_id}/refunds": "listMerchantRefunds",
        "GET /merchants/{merchant_id}/fast-refund-statement": "getFastRefundStatement",
        "POST /merchants/{merchant_id}/fast-refund-statement/exports": "startStatementExport",
        "GET /merchants/{merchant_id}/fast-refund-statement/exports/{export_id}": "getStatementExport",
        "POST /orders/{order_id}/parcel-after-refund": "recordParcelAfterRefund",
        "PUT /orders/{order_id}/parcel-after-refund": "recordParcelOutcome",
        "GET /orders/{order_id}/parcel-after-refund": "getParcelAfterRefund",
        "GET /buyers/{buyer_id}/refund-requests": "listBuyerRefunds",
        "GET /escalated-refund-requests": "listEscalatedRefunds",
        "GET /merchants/{merchant_id}/notice-subscriptions": "listNoticeSubscriptions",
        "PUT /merchants/{merchant_id}/notice-subscriptions": "subscribeToNotices",
        "DELETE /merchants/{merchant_id}/notice-subscriptions/{subscription_id}": "unsubscribeFromNotices",
    }
