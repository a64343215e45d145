"""Calling the local stack as a user would: JSON over HTTP with a bearer token, and the AWS endpoints."""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

LOCAL_CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "local", "aws_secret_access_key": "local"}


def call(
    api: str, method: str, path: str, bearer: str | None = None, body: dict | None = None, timeout: float = 30
) -> tuple[int, dict]:
    """One request as a client of API Gateway makes it: waiting as long as the gateway would (29 s), so that a
    slow cold start on a loaded machine is answered (or timed out by the stack, as the gateway would), not
    abandoned by the test first."""
    request = urllib.request.Request(f"{api}{path}", method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def eventually(check: Callable[[], Any], timeout: float = 15) -> Any:
    """`check()`'s first truthy answer within `timeout` seconds; a call that times out (a function's cold start
    on a loaded machine) is one more try, until the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except TimeoutError:
            if time.monotonic() > deadline:
                raise
            continue
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)
