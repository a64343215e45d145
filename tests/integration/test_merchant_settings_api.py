"""Merchant settings over HTTP: enrolment, the auto-refund policy, who may see and change them."""

from http import HTTPStatus

import pytest

from tests.support import api_event, buyer, invoke, merchant, ops, response_json

POLICY = {
    "enabled": True,
    "max_refund_amount_fen": 50000,
    "daily_limit_amount_fen": 200000,
    "daily_limit_count": None,
    "product_scope": {"mode": "ALL", "product_ids": []},
    "include_virtual": False,
    "rules": [],
    "usage_counters": 1,
}


def put_policy(body, caller=None, merchant_id="m-1"):
    request = api_event(
        "merchants_api_put_auto_refund_policy",
        caller=caller or merchant(merchant_id),
        path={"merchant_id": merchant_id},
        body=body,
    )
    return invoke("merchants_api", request)


def get_settings(caller=None, merchant_id="m-1"):
    request = api_event(
        "merchants_api_get_settings", caller=caller or merchant(merchant_id), path={"merchant_id": merchant_id}
    )
    return invoke("merchants_api", request)


def test_a_new_merchant_has_the_defaults(stack):
    response = get_settings()

    assert response["statusCode"] == HTTPStatus.OK
    body = response_json(response)
    assert body["merchant_id"] == "m-1"
    assert body["fast_refund_service"] == {"enabled": False, "updated_at": None}
    assert body["auto_refund_policy"] is None
    assert body["today"]["auto_refunded_amount_fen"] == 0
    assert body["today"]["auto_refunded_count"] == 0


def test_joining_the_service_shows_in_the_settings(stack):
    request = api_event(
        "merchants_api_put_fast_refund_service", caller=merchant(), path={"merchant_id": "m-1"}, body={"enabled": True}
    )

    response = invoke("merchants_api", request)

    assert response["statusCode"] == HTTPStatus.OK
    service = response_json(get_settings())["fast_refund_service"]
    assert service["enabled"] is True
    assert service["updated_at"].endswith("+08:00")


def test_a_policy_is_stored_as_given(stack):
    response = put_policy(POLICY)

    assert response["statusCode"] == HTTPStatus.OK
    assert response_json(get_settings())["auto_refund_policy"] == POLICY


def test_ops_may_change_any_merchant(stack):
    assert put_policy(POLICY, caller=ops())["statusCode"] == HTTPStatus.OK
    assert get_settings(caller=ops())["statusCode"] == HTTPStatus.OK


@pytest.mark.parametrize(
    "caller", [merchant("m-2"), merchant("m-2", role="erp"), merchant("m-1", role="erp"), buyer()], ids=str
)
def test_others_may_neither_read_nor_change_a_merchants_settings(stack, caller):
    changed = put_policy(POLICY, caller=caller)
    read = get_settings(caller=caller)

    assert changed["statusCode"] == HTTPStatus.FORBIDDEN
    assert read["statusCode"] == HTTPStatus.FORBIDDEN
    assert response_json(changed)["error"]["code"] == "FORBIDDEN"
    assert response_json(get_settings())["auto_refund_policy"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max_refund_amount_fen": 99}, "max_refund_amount_fen"),
        ({"max_refund_amount_fen": 9_999_901}, "max_refund_amount_fen"),
        ({"max_refund_amount_fen": -100}, "max_refund_amount_fen"),
        ({"max_refund_amount_fen": "50000"}, "max_refund_amount_fen"),
        ({"max_refund_amount_fen": 500.5}, "max_refund_amount_fen"),
        ({"daily_limit_amount_fen": None}, "body"),
        ({"daily_limit_count": 0}, "daily_limit_count"),
        ({"enabled": "yes"}, "enabled"),
        ({"product_scope": {"mode": "SOME", "product_ids": []}}, "product_scope.mode"),
        ({"product_scope": {"mode": "INCLUDE", "product_ids": []}}, "product_scope"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_an_invalid_policy_is_refused_with_the_field_named_and_nothing_stored(stack, change, field):
    response = put_policy(POLICY | change)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    error = response_json(response)["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert any(field in detail["field"] for detail in error["details"]), error["details"]
    assert response_json(get_settings())["auto_refund_policy"] is None


def test_a_disabled_policy_needs_no_daily_limit(stack):
    response = put_policy(POLICY | {"enabled": False, "daily_limit_amount_fen": None})

    assert response["statusCode"] == HTTPStatus.OK


@pytest.mark.parametrize(
    "raw_body", ["{not json", "", "[]", '{"enabled": true, "reason": "' + "x" * 1_048_576 + '"}'], ids=len
)
def test_a_body_that_is_not_a_policy_is_refused(stack, raw_body):
    request = api_event(
        "merchants_api_put_auto_refund_policy", caller=merchant(), path={"merchant_id": "m-1"}, raw_body=raw_body
    )

    response = invoke("merchants_api", request)

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response_json(response)["error"]["details"]
    assert response_json(get_settings())["auto_refund_policy"] is None


def test_a_malformed_merchant_id_in_the_path_is_refused(stack):
    response = get_settings(caller=ops(), merchant_id="m 1;drop")

    assert response["statusCode"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response_json(response)["error"]["details"][0]["field"] == "path.merchant_id"


def test_a_request_without_an_identity_is_unauthenticated(stack):
    request = api_event("merchants_api_get_settings", caller={"sub": "", "role": ""}, path={"merchant_id": "m-1"})

    response = invoke("merchants_api", request)

    assert response["statusCode"] == HTTPStatus.UNAUTHORIZED
    assert response_json(response)["error"]["code"] == "UNAUTHENTICATED"


def test_an_unknown_route_has_the_error_body(stack):
    request = api_event("merchants_api_get_settings", caller=merchant(), path={"merchant_id": "m-1"})
    request["path"] = "/merchants/m-1/nothing-here"

    response = invoke("merchants_api", request)

    assert response["statusCode"] == HTTPStatus.NOT_FOUND
    assert response_json(response)["error"]["code"] == "NOT_FOUND"
