"""What each worker process runs: the real handlers, with events built like API Gateway's."""

import os
import random
import time

from devtools.invoking import least_privilege
from tests.support import any_stack, api_event, buyer, invoke, merchant, response_json


def reset() -> None:
    from tests.conftest import reset_caches

    reset_caches()


def start(environment: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(environment)
    reset()
    least_privilege.install(any_stack())  # each worker is a container: its calls are checked too


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


def decide(
    action: str, order_id: str, refund_id: str, merchant_id: str, buyer_id: str, start_at: float
) -> tuple[int, dict]:
    """One review action through its handler, or (`expire`) the review deadline's step for one request."""
    if action == "expire":
        from fastrefund.domain.clock import utc_now
        from fastrefund.domain.identity import Caller, Role
        from fastrefund.logic import reviews
        from fastrefund.logic.refund_views import RefundView
        from fastrefund.repositories.store import get_store

        _at(start_at)
        expired = reviews.expire(order_id, refund_id, get_store(), utc_now())
        ops = Caller(sub="review-deadline", role=Role.OPS)
        return 200, RefundView.of(expired, ops).model_dump(mode="json") if expired else {}
    caller = buyer(buyer_id) if action == "cancel" else merchant(merchant_id)
    sample = f"refund_requests_api_{action}"
    request = api_event(sample, caller=caller, path={"order_id": order_id, "refund_id": refund_id})
    _at(start_at)
    response = invoke("refund_requests_api", request)
    return response["statusCode"], response_json(response)


def refund_until_killed(environment: dict[str, str], order_ids: list[str], buyer_id: str, seed: int, ready, go) -> None:
    """A container asking for refunds of `order_ids` one after another through the orders API, slowed down
    before and after the reservation and the commit (by up to 30 ms each) so that a SIGKILL from the test
    lands anywhere on the commit path: before the reservation, between it and the commit, after both."""
    start(environment)
    from fastrefund.repositories.refunds import RefundsRepository
    from fastrefund.repositories.usage_reservations import DailyUsageRepository

    pause = random.Random(seed).uniform

    def slowed(method):
        def call(*args, **kwargs):
            time.sleep(pause(0, 0.03))
            result = method(*args, **kwargs)
            time.sleep(pause(0, 0.03))
            return result

        return call

    RefundsRepository.commit_auto_refund = slowed(RefundsRepository.commit_auto_refund)
    DailyUsageRepository.reserve = slowed(DailyUsageRepository.reserve)
    ask_refund("o-warm-up", buyer_id, 0)  # a cold start (the handler's imports, the rules) before the clock runs
    ready.set()
    go.wait()
    for order_id in order_ids:
        ask_refund(order_id, buyer_id, 0)


def flag_buyer(buyer_id: str, flagged_at: str, start_at: float) -> dict:
    """The risk system's BUYER_RISK_FLAGGED, through the order events consumer."""
    from tests.support import sqs_batch

    event = {"type": "BUYER_RISK_FLAGGED", "buyer_id": buyer_id, "reason_code": "RACE", "flagged_at": flagged_at}
    batch = sqs_batch(event)
    _at(start_at)
    return invoke("order_events", batch)
