"""Calling the local stack as a user would: JSON over HTTP with a bearer token, and the AWS endpoints."""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

LOCAL_CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "local", "aws_secret_access_key": "local"}


def call(
    api: str, method: str, path: str, bearer: str | None = None, body: dict | None = None, timeout: float = 10
) -> tuple[int, dict]:
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
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)
