"""The eligibility dry run over HTTP, for the buyer, the merchant's people and ops."""

from http import HTTPStatus

import pytest

from tests.support import (
    api_event,
    buyer,
    enrol_since,
    invoke,
    merchant,
    ops,
    pay,
    response_json,
)

NO_RULES = {"policy_rule_id": None, "rules": None}  # the merchant has no policy, so no rules to explain


def eligibility(order_id="o-1", caller=None):
    request = api_event("orders_api_eligibility", caller=caller or buyer(), path={"order_id": order_id})
    return invoke("orders_api", request)


@pytest.fixture
def enrolled_merchant(stack):
    enrol_since("2026-01-01T00:00:00+08:00")


def test_a_badged_order_is_eligible_for_the_platform_guarantee(enrolled_merchant):
    pay()

    response = eligibility()

    assert response["statusCode"] == HTTPStatus.OK
    assert response_json(response) == {
        "order_id": "o-1",
        "eligible": True,
        "route": "PLATFORM_FAST_REFUND",
        "policy_rule_id": None,
        "rule_version": "2023-09-13",
        "amount_fen": 19900,
        "checks": [
            {"route": "PLATFORM_FAST_REFUND", "eligible": True, "reasons": [], "rule_version": "2023-09-13"} | NO_RULES,
            {"route": "MERCHANT_AUTO_REFUND", "eligible": False, "reasons": ["POLICY_DISABLED"], "rule_version": None}
            | NO_RULES,
        ],
        "existing_refund_id": None,
        "reason_code": "OTHER",
    }


@pytest.mark.parametrize("caller", [buyer("b-1"), merchant("m-1"), merchant("m-1", role="erp"), ops()], ids=str)
def test_the_buyer_the_merchant_and_ops_may_ask(enrolled_merchant, caller):
    pay()

    assert eligibility(caller=caller)["statusCode"] == HTTPStatus.OK


@pytest.mark.parametrize("caller", [buyer("b-2"), merchant("m-2"), merchant("m-2", role="erp")], ids=str)
def test_to_anyone_else_the_order_does_not_exist(enrolled_merchant, caller):
    # An order the caller may not see answers exactly as one that does not exist (no probing)
    unknown = response_json(eligibility(caller=caller))
    pay()

    response = eligibility(caller=caller)

    assert response["statusCode"] == HTTPStatus.NOT_FOUND
    assert response_json(response) == unknown
    assert unknown["error"]["code"] == "ORDER_NOT_FOUND"


def test_an_unknown_order_is_not_found(stack):
    response = eligibility("o-missing")

    assert response["statusCode"] == HTTPStatus.NOT_FOUND
    assert response_json(response)["error"] == {
        "code": "ORDER_NOT_FOUND",
        "message": "order o-missing was not found",
        "details": [{"order_id": "o-missing"}],
    }
