"""Helpers the tests share: the functions as Lambda would load them, events from events/, factories."""

import copy
import importlib.util
import json
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import jwt

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
LOCAL_JWT_SECRET = "local-dev-secret"  # the documented local default, also in events/authorizer_token.json


@dataclass
class FakeLambdaContext:
    function_name: str = "fastrefund-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:fastrefund-test"
    aws_request_id: str = "test-request"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def load_function(name: str) -> ModuleType:
    """functions/<name>/app.py as a module of its own (each function's file is called app.py)."""
    module_name = f"function_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, ROOT / "functions" / name / "app.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
    return load_function(function).lambda_handler(event, FakeLambdaContext())


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def api_event(
    name: str,
    *,
    caller: dict[str, str],
    path: dict[str, str] | None = None,
    body: Any = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """A sample API event from events/, for another caller, path or body."""
    request = copy.deepcopy(event(name))
    if path:
        request["pathParameters"] = path
        request["path"] = request["resource"]
        for key, value in path.items():
            request["path"] = request["path"].replace(f"{{{key}}}", value)
    authorizer = request["requestContext"]["authorizer"]
    authorizer.update({"principalId": caller["sub"], "merchant_id": "", **caller})
    if body is not None:
        request["body"] = json.dumps(body)
    if raw_body is not None:
        request["body"] = raw_body
    return request


def response_json(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def sqs_batch(*bodies: Any) -> dict[str, Any]:
    """An SQS batch in the shape of events/order_events_batch.json, one record per body."""
    template = event("order_events_batch")["Records"][0]
    records = []
    for index, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record["messageId"] = f"msg-{index}"
        record["body"] = body if isinstance(body, str) else json.dumps(body)
        records.append(record)
    return {"Records": records}


def buyer(sub: str = "b-1") -> dict[str, str]:
    return {"sub": sub, "role": "buyer"}


def merchant(merchant_id: str = "m-1", role: str = "merchant") -> dict[str, str]:
    return {"sub": f"u-{merchant_id}", "role": role, "merchant_id": merchant_id}


def ops() -> dict[str, str]:
    return {"sub": "ops-1", "role": "ops"}


def paid_order_message(**order: Any) -> dict[str, Any]:
    """A valid ORDER_PAID message; keyword arguments override the order's fields."""
    defaults = {
        "order_id": "o-1",
        "merchant_id": "m-1",
        "buyer_id": "b-1",
        "product_id": "p-1",
        "product_type": "PHYSICAL",
        "fast_refund_badge": True,
        "paid_amount_fen": 19900,
        "paid_at": "2026-11-26T10:00:00+08:00",
    }
    return {"type": "ORDER_PAID", "order": defaults | order}


def shipped_message(order_id: str = "o-1", **fields: Any) -> dict[str, Any]:
    """A valid ORDER_SHIPPED message."""
    defaults = {"carrier": "SF", "tracking_number": "SF1", "shipped_at": "2026-11-26T12:00:00+08:00"}
    return {"type": "ORDER_SHIPPED", "order_id": order_id} | defaults | fields


def pay(**order: Any) -> None:
    """Send one ORDER_PAID through the intake function, and check it was applied."""
    assert invoke("order_events", sqs_batch(paid_order_message(**order))) == {"batchItemFailures": []}


def token(secret: str = LOCAL_JWT_SECRET, expires_in: int = 600, algorithm: str = "HS256", **claims: Any) -> str:
    return jwt.encode({"exp": int(time.time()) + expires_in, **claims}, secret, algorithm=algorithm)


def enrol_since(at: str, merchant_id: str = "m-1", enabled: bool = True) -> None:
    """Record a change of enrolment in the past (the API can only record one now)."""
    from fastrefund.repositories.store import get_store

    get_store().merchants.set_fast_refund_service(merchant_id, enabled, datetime.fromisoformat(at))
