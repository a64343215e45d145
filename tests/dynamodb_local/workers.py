"""What each worker process runs: the real handlers, with events built like API Gateway's."""

import os
import time

from tests.support import api_event, buyer, invoke, merchant, response_json


def reset() -> None:
    from tests.conftest import reset_caches

    reset_caches()


def start(environment: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(environment)
    reset()


def warm_up(_: int) -> int:
    from fastrefund.repositories.store import get_store

    get_store()
    time.sleep(0.05)
    return os.getpid()


def _at(start_at: float) -> None:
    """Wait for the common start instant, so that the calls of one round really overlap."""
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)


def ask_refund(order_id: str, buyer_id: str, start_at: float) -> tuple[int, dict]:
    request = api_event("orders_api_refund_request", caller=buyer(buyer_id), path={"order_id": order_id}, body={})
    _at(start_at)
    response = invoke("orders_api", request)
    return response["statusCode"], response_json(response)


def ship(order_id: str, merchant_id: str, start_at: float) -> tuple[int, dict]:
    request = api_event(
        "orders_api_shipment",
        caller=merchant(merchant_id, role="erp"),
        path={"order_id": order_id},
        body={"carrier": "SF", "tracking_number": f"SF-{order_id}"},
    )
    _at(start_at)
    response = invoke("orders_api", request)
    return response["statusCode"], response_json(response)
