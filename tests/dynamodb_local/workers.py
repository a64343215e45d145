"""What each worker process runs: the real handlers, with events built like API Gateway's."""

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Timed:
    """A call's answer, and when it started and ended (time.monotonic: one clock for every process)."""

    answer: Any
    started: float
    ended: float


def at_once(environment: dict[str, str], barrier: Any, call: Callable[..., Any], *args: Any) -> Timed:
    """`call(*args)` in this worker as a container of the test's stack (`environment`), started when every other
    party of `barrier` is ready too: the calls of a round really overlap, however late a worker was."""
    if dict(os.environ) != environment:  # the pool outlives a test: each test brings its own stack
        start(environment)
    barrier.wait(timeout=60)
    started = time.monotonic()
    answer = call(*args)
    return Timed(answer, started, time.monotonic())


def overlapped(timings: list[Timed]) -> bool:
    """Whether the calls were all in flight together at some instant."""
    return max(timed.started for timed in timings) < min(timed.ended for timed in timings)


def ask_refund(order_id: str, buyer_id: str, reason_code: str = "OTHER") -> tuple[int, dict]:
    body = {"reason_code": reason_code}
    request = api_event("orders_api_refund_request", caller=buyer(buyer_id), path={"order_id": order_id}, body=body)
    response = invoke("orders_api", request)
    return response["statusCode"], response_json(response)


def ship(order_id: str, merchant_id: str) -> tuple[int, dict]:
    request = api_event(
        "orders_api_shipment",
        caller=merchant(merchant_id, role="erp"),
        path={"order_id": order_id},
        body={"carrier": "SF", "tracking_number": f"SF-{order_id}"},
    )
    response = invoke("orders_api", request)
    return response["statusCode"], response_json(response)


def decide(action: str, order_id: str, refund_id: str, merchant_id: str, buyer_id: str) -> tuple[int, dict]:
    """One review action through its handler, or (`expire`) the review deadline's step for one request."""
    if action == "expire":
        from fastrefund.domain.clock import utc_now
        from fastrefund.domain.identity import Caller, Role
        from fastrefund.logic import reviews
        from fastrefund.logic.refund_views import RefundView
        from fastrefund.repositories.store import get_store

        expired = reviews.expire(order_id, refund_id, get_store(), utc_now())
        ops = Caller(sub="review-deadline", role=Role.OPS)
        return 200, RefundView.of(expired, ops).model_dump(mode="json") if expired else {}
    caller = buyer(buyer_id) if action == "cancel" else merchant(merchant_id)
    sample = f"refund_requests_api_{action}"
    request = api_event(sample, caller=caller, path={"order_id": order_id, "refund_id": refund_id})
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
    ask_refund("o-warm-up", buyer_id)  # a cold start (the handler's imports, the rules) before the clock runs
    ready.set()
    go.wait()
    for order_id in order_ids:
        ask_refund(order_id, buyer_id)


def flag_buyer(buyer_id: str, flagged_at: str) -> dict:
    """The risk system's BUYER_RISK_FLAGGED, through the order events consumer."""
    from tests.support import sqs_batch

    event = {"type": "BUYER_RISK_FLAGGED", "buyer_id": buyer_id, "reason_code": "RACE", "flagged_at": flagged_at}
    batch = sqs_batch(event)
    return invoke("order_events", batch)
