"""The sale day's background paths, measured on AWS's DynamoDB Local with a region's round trip added to every call.

    make bench        (or: .venv/bin/python -m bench.sale_day [--reviews 20000] [--owed 50000])

Every DynamoDB call sleeps ROUND_TRIP_MS first (a botocore `before-send` hook), for the time a call spends on
the network in a region; DynamoDB Local's own time comes on top. Printed:

1. The review-deadline sweep: REVIEWS requests of 200 merchants, all due in the same minute, spread over the
   partitions as the service writes them (and, second, with 100 undecidable requests due first: in review,
   their orders missing). The sweepers run as the deployed service runs them, one per partition, SWEEPERS
   processes at once here (the deployment runs all 65 at once: docs/capacity.md scales the measured rate).
2. The republish: OWED requests owing their notice and their payout instruction (the backlog an SNS outage
   leaves), drained by the reconciler's rounds against a topic that takes everything, and the usage
   reconciliation's lag measured meanwhile from its own function, run every few seconds beside it.
"""

import argparse
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3

from bench import measurements
from bench.botocore_hooks import on_every_new_client
from devtools.catalogue.template import Resolver, Template
from devtools.emulator import resources
from devtools.emulator.dynamodb_local import DynamoDBLocal

ROUND_TRIP_MS = 10
MERCHANTS = 200
SWEEPERS = 4  # processes at once on this machine (2 cores): each is one deployed sweeper
UNDECIDABLE = 100


def add_round_trip() -> None:
    on_every_new_client("before-send.dynamodb", lambda **_: time.sleep(ROUND_TRIP_MS / 1000))


@contextmanager
def stack() -> Iterator[Any]:
    """DynamoDB Local with the template's tables, the functions' environment set in this process."""
    with DynamoDBLocal() as engine, tempfile.TemporaryDirectory() as folder:
        template = Template.load(prefix="bench")
        resolve = Resolver(template)
        client = boto3.client(
            "dynamodb", endpoint_url=engine.endpoint, region_name="us-east-1", aws_access_key_id="local",
            aws_secret_access_key="local",
        )  # fmt: skip
        resources.create_tables(template, client, resolve)
        resources.name_the_rest(template, resolve)
        rules = Path(folder) / "rules.json"
        rules.write_text(template.resources["RulesParameter"]["Properties"]["Value"])
        os.environ.update(
            resources.function_environment(template, resolve),
            AWS_ENDPOINT_URL_DYNAMODB=engine.endpoint,
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",
            AWS_DEFAULT_REGION="us-east-1",
            RULES_FILE=str(rules),
            POWERTOOLS_LOG_LEVEL="ERROR",
            POWERTOOLS_METRICS_DISABLED="true",
        )
        os.environ.pop("RULES_PARAMETER_NAME", None)
        yield client


def write_all(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    from fastrefund.repositories import dynamo

    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": dynamo.encode(item)}} for item in items[start : start + 25]]
        while requests:
            left = client.batch_write_item(RequestItems={table: requests}).get("UnprocessedItems", {})
            requests = left.get(table, [])


def seed_reviews(client: Any, count: int, due_at: Any, without_order: int = 0) -> None:
    """`count` requests in review of MERCHANTS merchants, due at `due_at` (within a minute); the first
    `without_order` of them due a second earlier and with no order stored."""
    from devtools.factories import order, refund_of
    from fastrefund.domain.models.refund import RefundStatus
    from fastrefund.repositories import orders, refund_items

    paid, reviews = [], []
    for number in range(count):
        broken = number < without_order
        placed = order(order_id=f"o-{number}", merchant_id=f"m-{number % MERCHANTS}", paid_amount_fen=45000)
        deadline = due_at - timedelta(seconds=1) if broken else due_at + timedelta(milliseconds=number % 60_000)
        review = refund_of(
            placed, refund_id=f"r-{number}", status=RefundStatus.PENDING_REVIEW, route=None, review_deadline=deadline
        )
        if not broken:
            paid.append(orders.to_item(placed.model_copy(update={"refund_id": review.refund_id})))
        reviews.append(refund_items.to_item(review))
    write_all(client, os.environ["ORDERS_TABLE"], paid)
    write_all(client, os.environ["REFUNDS_TABLE"], reviews)


def sweep_partitions(partitions: list[str]) -> tuple[int, int, float]:
    """One sweeper process: its partitions swept one after the other, as a sweeper takes one unit at a time."""
    from fastrefund.domain.clock import utc_now
    from fastrefund.logic import review_deadlines
    from fastrefund.repositories.store import get_store

    add_round_trip()
    decided, failed, cpu = 0, 0, time.process_time()
    for partition in partitions:
        outcome = review_deadlines.sweep(partition, get_store(), utc_now, lambda: True)
        decided, failed = decided + outcome.decided, failed + outcome.failed
    return decided, failed, time.process_time() - cpu


def measure_sweep(count: int, without_order: int) -> None:
    from fastrefund.domain.clock import utc_now
    from fastrefund.repositories.refund_items import REVIEW_PARTITIONS

    with stack() as client:
        due_at = utc_now() - timedelta(minutes=1)  # the whole wave fell due in the minute just past
        seed_reviews(client, count, due_at, without_order)
        shares = [list(REVIEW_PARTITIONS[worker::SWEEPERS]) for worker in range(SWEEPERS)]
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(SWEEPERS, mp_context=context) as pool:
            started = time.perf_counter()
            results = list(pool.map(sweep_partitions, shares))
            elapsed = time.perf_counter() - started
        decided, failed = sum(r[0] for r in results), sum(r[1] for r in results)
        cpu_ms = 1000 * sum(r[2] for r in results) / (decided + failed)
        if not without_order:
            measurements.record("review decision, CPU ms", cpu_ms, "bench.sale_day (the sweeper's, per decision)")
        per_sweeper = decided / elapsed / SWEEPERS
        print(
            f"sweep, {count:,} due across {MERCHANTS} merchants, {without_order} undecidable first: "
            f"{decided:,} decided and {failed} counted as not decidable in {elapsed:.1f} s with {SWEEPERS} "
            f"sweepers here: {decided / elapsed:,.0f} decisions/s, {per_sweeper:,.0f} per sweeper, "
            f"{cpu_ms:.1f} ms of the sweeper's CPU per decision"
        )
        deployed = len(REVIEW_PARTITIONS)
        print(
            f"  -> deployed, {deployed} sweepers at {per_sweeper:,.0f}/s each: {count:,} decided in about "
            f"{count / deployed / per_sweeper:.1f} s after the minute's dispatch (at most 60 s after the deadline)"
        )


def seed_owed(client: Any, count: int, owed_since: Any) -> None:
    """`count` auto-refunds that owe their notice and their payout instruction since `owed_since`."""
    from devtools.factories import order, refund_of
    from fastrefund.domain.models.refund import Payout
    from fastrefund.repositories import refund_items

    owed = []
    for number in range(count):
        placed = order(order_id=f"o-{number}", merchant_id=f"m-{number % MERCHANTS}")
        refund = refund_of(placed, refund_id=f"r-{number}", decided_at=owed_since, payout=Payout(updated_at=owed_since))
        owed.append(refund_items.to_item(refund))
    write_all(client, os.environ["REFUNDS_TABLE"], owed)


class TakesEverything:
    """A topic that takes every message, as SNS does once it has recovered."""

    def publish(self, messages: Any) -> set[str]:
        time.sleep(ROUND_TRIP_MS / 1000)  # the SNS call's own round trip
        return set()


def measure_republish(count: int) -> None:
    from fastrefund.domain.clock import utc_now
    from fastrefund.domain.notices import NOTICES, PAYOUTS
    from fastrefund.logic.reconciliation import republish_overdue
    from fastrefund.logic.usage_reconciliation import reconcile_usage
    from fastrefund.repositories.store import get_store

    with stack() as client:
        seed_owed(client, count, utc_now() - timedelta(hours=1))
        add_round_trip()
        store, grace = get_store(), timedelta(minutes=5)
        leak_reservations(store)
        usage_lags: list[float] = []
        draining = threading.Event()

        def usage_reconciler() -> None:  # its own function, every minute: here every 10 s, to watch its lag
            while not draining.wait(10):
                now = utc_now()
                usage_lags.append(
                    reconcile_usage(store.leaked_reservations, store.policy_refunds, now, lambda: 40.0).lag_seconds(now)
                )

        beside = threading.Thread(target=usage_reconciler)
        beside.start()
        sent, runs, started = dict.fromkeys((NOTICES.name, PAYOUTS.name), 0), 0, time.perf_counter()
        cpu = time.process_time()
        while min(sent.values()) < count and runs < 100:  # one reconciler run a minute: 42 s of work each
            runs += 1
            run_ends = time.perf_counter() + 42
            for outbox in (NOTICES, PAYOUTS):  # the deployed run does the two at once: here, one after the other
                result = republish_overdue(
                    store.owed_messages, outbox, TakesEverything(), utc_now(), grace,
                    lambda ends=run_ends: time.perf_counter() < ends,
                )  # fmt: skip
                sent[outbox.name] += result.sent
        elapsed = time.perf_counter() - started
        draining.set()
        beside.join()
        published_ms = 1000 * (time.process_time() - cpu) / (2 * count)
        measurements.record("message published, CPU ms", published_ms, "bench.sale_day (the republish, per message)")
        print(
            f"republish, {count:,} notices and {count:,} payouts owed: all out in {elapsed:.0f} s of work "
            f"({runs} runs), {2 * count / elapsed:,.0f} messages/s, "
            f"{published_ms:.1f} ms of CPU per message (the usage runs included)"
        )
        print(
            f"  -> meanwhile the usage reconciliation (its own function) found its oldest open reservation bucket at "
            f"most {max(usage_lags, default=0):.0f} s old, over {len(usage_lags)} runs; "
            f"{sum(lag == 0 for lag in usage_lags)} runs found none left"
        )


def leak_reservations(store: Any) -> None:
    """20 merchants' reservations that no refund followed (a crash between the reservation and its commit)."""
    from devtools.factories import policy
    from fastrefund.domain.clock import china_day, utc_now

    now = utc_now()
    for number in range(20):
        version = store.merchants.set_auto_refund_policy(f"m-{number}", policy(), now)
        store.usage.reserve(f"m-{number}", china_day(now), policy(), version, 1000, now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=20_000)
    parser.add_argument("--owed", type=int, default=50_000)
    arguments = parser.parse_args()
    print(f"DynamoDB Local, {ROUND_TRIP_MS} ms added before every DynamoDB call (a region's round trip)")
    measure_sweep(arguments.reviews, 0)
    measure_sweep(arguments.reviews, UNDECIDABLE)
    measure_republish(arguments.owed)


if __name__ == "__main__":
    main()
