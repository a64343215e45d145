"""The local API answers as API Gateway would, with the template's gateway responses (issue 9, item 8)."""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

from tests.support import token


def raw_call(api: str, method: str, path: str, data: bytes | None = None, bearer: str | None = None):
    request = urllib.request.Request(f"{api}{path}", method=method, data=data)
    request.add_header("Content-Type", "application/json")
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def code_of(body: bytes) -> str:
    return json.loads(body)["error"]["code"]


def test_gateway_refusals_have_their_own_status_and_code_and_the_stack_holds_under_load(local_stack):
    api = local_stack.api
    merchant = token(sub="u-1", role="merchant", merchant_id="m-1")

    # an unknown route, and methods no route takes: 404 NOT_FOUND in the error body (was BAD_REQUEST, or HTML)
    for method, path in [
        ("GET", "/nope"),
        ("OPTIONS", "/orders/o-1/shipments"),
        ("TRACE", "/orders/o-1/shipments"),
        ("QUERY", "/merchants/m-1/auto-refund-policy"),  # a method http.server does not know: was an HTML 501
    ]:
        status, content_type, body = raw_call(api, method, path)
        assert (status, content_type, code_of(body)) == (HTTPStatus.NOT_FOUND, "application/json", "NOT_FOUND"), method

    # more than API Gateway's 10 MB: 413 PAYLOAD_TOO_LARGE
    status, _, body = raw_call(api, "PUT", "/merchants/m-1/auto-refund-policy", b" " * (10 * 1024 * 1024 + 1))
    assert (status, code_of(body)) == (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "PAYLOAD_TOO_LARGE")

    # a body that is not UTF-8 reaches the function (base64) and is refused by it: 422, not 502
    status, _, body = raw_call(api, "PUT", "/merchants/m-1/auto-refund-policy", b'{"enabled": "\xff\xfe"}', merchant)
    assert (status, code_of(body)) == (HTTPStatus.UNPROCESSABLE_ENTITY, "VALIDATION_ERROR")

    # a header not shaped "Bearer <JWT>" (the authorizer's ValidationExpression) is 401 before any authorizer runs
    for header in ("Basic dXNlcjpwdw==", "Bearer not-a-jwt", f"Bearer {merchant}.extra", merchant):
        request = urllib.request.Request(f"{api}/merchants/m-1/settings", headers={"Authorization": header})
        try:
            urllib.request.urlopen(request, timeout=30)
            status, body = HTTPStatus.OK, b"{}"
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        assert (status, code_of(body)) == (HTTPStatus.UNAUTHORIZED, "UNAUTHENTICATED"), header
    assert raw_call(api, "GET", "/merchants/m-1/settings", bearer=merchant)[0] == HTTPStatus.OK

    # 50 connections at once are all answered (the listen backlog was 5: some were reset)
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda _: raw_call(api, "GET", "/nope")[0], range(50)))
    assert answers == [HTTPStatus.NOT_FOUND] * 50
