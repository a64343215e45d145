"""Events in the shapes Lambda delivers them, made from the samples in events/ (the ones `sam local
invoke -e` takes): an API request for another caller, path or body; an SQS batch of order messages.

Tests and benchmarks build every event they send from here, so that none can drift from events/.
"""

import copy
import json
from typing import Any

from devtools.catalogue.template import ROOT

EVENTS = ROOT / "events"

# The one valid paid order every test and sample starts from; callers change one field at a time.
PAID_ORDER: dict[str, Any] = {
    "order_id": "o-1",
    "merchant_id": "m-1",
    "buyer_id": "b-1",
    "product_id": "p-1",
    "product_type": "PHYSICAL",
    "fast_refund_badge": True,
    "paid_amount_fen": 19900,
    "paid_at": "2026-11-26T10:00:00+08:00",
}


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
    return {"type": "ORDER_PAID", "order": PAID_ORDER | order}


def shipped_message(order_id: str = "o-1", **fields: Any) -> dict[str, Any]:
    """A valid ORDER_SHIPPED message."""
    defaults = {"carrier": "SF", "tracking_number": "SF1", "shipped_at": "2026-11-26T12:00:00+08:00"}
    return {"type": "ORDER_SHIPPED", "order_id": order_id} | defaults | fields
