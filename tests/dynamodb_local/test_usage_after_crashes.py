"""The day's usage when refunding processes are killed (SIGKILL) anywhere on the commit path, on AWS's
DynamoDB Local: the limit is never passed, the counter is never below what was approved, and after the
reconciliation it is exactly the sum and the number of the merchant-route refunds approved.

Each round: a merchant with a daily limit that binds (1,500 yuan and 12 refunds against 24 orders of
50-300 yuan), its day's usage on one counter or (every other round) four, its policy set just now or two
days ago, 6 containers refunding 4 orders each at once, and about half of them killed at random instants of
their run.
"""

import contextlib
import multiprocessing
import os
import random
import signal
import time
from datetime import timedelta

import pytest

from devtools.factories import a_minute_left, order, policy
from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.models.common import Route
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.domain.reservations import BUCKET_SECONDS, SETTLE_SECONDS
from fastrefund.logic.usage_reconciliation import reconcile_usage
from fastrefund.repositories.store import get_store
from tests.dynamodb_local import workers
from tests.support import open_request

CONTAINERS = 6
ORDERS_EACH = 4
LIMIT_FEN, LIMIT_COUNT = 150_000, 12


@pytest.fixture(scope="module")
def forkserver():
    """Containers forked from a clean process that has the service imported: each starts in milliseconds."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.dynamodb_local.workers", "fastrefund.repositories.store"])
    return context


def approved_by_policy(order_ids: list[str]) -> tuple[int, int]:
    refunds = [open_request(get_store(), order_id)[1] for order_id in order_ids]
    approved = [
        refund.amount_fen
        for refund in refunds
        if refund and refund.status is RefundStatus.AUTO_REFUNDED and refund.route is Route.MERCHANT_AUTO_REFUND
    ]
    return sum(approved), len(approved)


def run_round(context, number: int, rng: random.Random) -> tuple[str, list[str]]:
    merchant_id, buyer_id = f"m-crash-{number}", f"b-crash-{number}"
    store = get_store()
    limits = {"daily_limit_amount_fen": LIMIT_FEN, "daily_limit_count": LIMIT_COUNT}
    counters = 1 if number % 2 == 0 else 4  # the day's usage on one counter, or on four every other round
    # the policy set just now (its change dealt today's rooms) or, two rounds in four, two days ago (today's
    # counters start with their shares)
    set_at = utc_now() - timedelta(days=2 if number % 4 >= 2 else 0, seconds=1)
    store.merchants.set_auto_refund_policy(
        merchant_id, policy(max_refund_amount_fen=30_000, usage_counters=counters, **limits), set_at
    )
    order_ids = [f"o-crash-{number}-{index}" for index in range(CONTAINERS * ORDERS_EACH)]
    for order_id in order_ids:
        amount = rng.randrange(5_000, 30_001, 100)
        store.orders.add_paid(
            order(
                order_id=order_id,
                merchant_id=merchant_id,
                buyer_id=buyer_id,
                paid_amount_fen=amount,
                badge_at_payment=False,
            )
        )
    go = context.Event()
    containers = []
    for index in range(CONTAINERS):
        ready = context.Event()
        mine = order_ids[index * ORDERS_EACH : (index + 1) * ORDERS_EACH]
        process = context.Process(
            target=workers.refund_until_killed,
            args=(dict(os.environ), mine, buyer_id, rng.randrange(2**32), ready, go),
        )
        process.start()
        containers.append((process, ready))
    for _, ready in containers:
        assert ready.wait(30)
    go.set()
    started = time.monotonic()
    # About half the containers are killed, each at its own instant of the ~0.5 s their run takes.
    kills = sorted((rng.uniform(0, 0.5), process) for process, _ in containers if rng.random() < 0.5)
    for at, process in kills:
        time.sleep(max(0.0, at - (time.monotonic() - started)))
        with contextlib.suppress(ProcessLookupError):  # it finished first
            os.kill(process.pid, signal.SIGKILL)
    for process, _ in containers:
        process.join(30)
        assert process.exitcode is not None
    time.sleep(0.2)  # a killed container's last request may still be at the engine
    return merchant_id, order_ids


@pytest.mark.parametrize("rounds", [pytest.param(6), pytest.param(12, marks=pytest.mark.soak)])
def test_killed_containers_never_pass_the_limit_and_reconciliation_makes_usage_exact(local_tables, forkserver, rounds):
    rng = random.Random(20261126)
    leaked_rounds = leaked_fen = 0
    for number in range(rounds):
        day = china_day(utc_now())  # the round's day, fixed before it acts
        merchant_id, order_ids = run_round(forkserver, number, rng)
        approved_fen, approved = approved_by_policy(order_ids)
        counter = get_store().usage.get(merchant_id, day)

        # Then the approved refunds never pass the limit, and the counter never counts less than them
        assert approved_fen <= LIMIT_FEN and approved <= LIMIT_COUNT, number
        assert counter.amount_fen >= approved_fen and counter.count >= approved, number
        assert counter.amount_fen <= LIMIT_FEN and counter.count <= LIMIT_COUNT, number
        leaked_rounds += (counter.amount_fen, counter.count) != (approved_fen, approved)
        leaked_fen += counter.amount_fen - approved_fen

        # And once the round's buckets have settled, the reconciliation makes the counter exact
        settled = utc_now() + timedelta(seconds=BUCKET_SECONDS + SETTLE_SECONDS)
        reconcile_usage(get_store().leaked_reservations, get_store().policy_refunds, settled, a_minute_left)
        counter = get_store().usage.get(merchant_id, day)
        assert (counter.amount_fen, counter.count) == (approved_fen, approved), number
    # The kills did land between a reservation and its commit (else this test proved nothing)
    assert leaked_rounds > 0
    print(
        f"\n{rounds} rounds; {leaked_rounds} left reservations of killed containers ({leaked_fen} fen in all);"
        " overshoot 0; usage = sum of approved after reconciliation"
    )
