"""The workbench over a long history, measured on AWS's DynamoDB Local with a region's round trip added to every
DynamoDB call (bench/sale_day.py's hook).

    make bench        (or: .venv/bin/python -m bench.workbench_walk [--refunds 50000])

One merchant with REFUNDS platform fast refunds and none under its own policy. Through the workbench's handler
(Secrets Manager from moto's server), two walks of the cursor: filtered by route=MERCHANT_AUTO_REFUND (matches
nothing: the search a filter that matches little over a long history makes), and unfiltered. Printed: pages,
each page's status, its time (slowest and 99th percentile) against the function's timeout, the index items
one page read at most, and whether each walk returned exactly the refunds it should, each once.
"""

import argparse
import json
import os
import statistics
import time
from datetime import timedelta
from typing import Any

import boto3

from bench.botocore_hooks import on_every_new_client
from bench.sale_day import ROUND_TRIP_MS, add_round_trip, stack, write_all
from devtools.catalogue.template import Resolver, Template
from devtools.emulator import resources
from devtools.emulator.dynamodb_local import free_port
from devtools.emulator.moto_server import MotoServer

REFUNDS = 50_000


def seed(client: Any, count: int) -> list[str]:
    """`count` platform fast refunds of m-1, one a second; their ids, newest first."""
    from devtools.factories import order, refund_of
    from fastrefund.domain.clock import utc_now
    from fastrefund.domain.models.common import Route
    from fastrefund.repositories import refund_items

    start = utc_now() - timedelta(seconds=count)
    items = []
    for number in range(count):
        paid = order(order_id=f"o-{number}", paid_at=start + timedelta(seconds=number - 300))
        refund = refund_of(
            paid,
            route=Route.PLATFORM_FAST_REFUND,
            refund_id=f"r-{number}",
            decided_at=start + timedelta(seconds=number),
        )
        items.append(refund_items.to_item(refund))
    write_all(client, os.environ["REFUNDS_TABLE"], items)
    return [f"r-{number}" for number in reversed(range(count))]


def walk(limit: int, query: dict[str, str], read: list[int]) -> tuple[list[str], list[int], list[float]]:
    """Every page of the cursor through the handler: the refund ids, each page's status and time (ms); each
    page starts a new count at the end of `read` (the index items its queries read)."""
    from devtools.invoking.harness import invoke_named
    from devtools.invoking.sample_events import api_event, merchant

    found, statuses, times, cursor = [], [], [], None
    while True:
        parameters = {"limit": str(limit)} | query | ({"cursor": cursor} if cursor else {})
        request = api_event("workbench_api_list_refunds", caller=merchant("m-1"), path={"merchant_id": "m-1"})
        request["queryStringParameters"] = parameters
        request["multiValueQueryStringParameters"] = {name: [value] for name, value in parameters.items()}
        read.append(0)
        started = time.perf_counter()
        response = invoke_named("workbench_api", request)
        times.append((time.perf_counter() - started) * 1000)
        statuses.append(response["statusCode"])
        body = json.loads(response["body"])
        if response["statusCode"] != 200:
            return found, statuses, times
        found += [item["refund_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return found, statuses, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refunds", type=int, default=REFUNDS)
    count = parser.parse_args().refunds

    timeout_s = Template.load().functions["WorkbenchApiFunction"].setting("Timeout")
    moto = MotoServer(free_port()).start()
    try:
        with stack() as client:
            template = Template.load(prefix="bench")
            secrets = boto3.client(
                "secretsmanager", endpoint_url=moto.endpoint, region_name="us-east-1", aws_access_key_id="local",
                aws_secret_access_key="local",
            )  # fmt: skip
            resources.create_secrets(template, secrets, Resolver(template), "a cursor key for the benchmark")
            os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = moto.endpoint
            started = time.perf_counter()
            newest_first = seed(client, count)
            seeded_s = time.perf_counter() - started
            print(f"Workbench over {count:,} platform refunds of one merchant (seeded in {seeded_s:.0f} s)")
            read: list[int] = [0]

            def count_read(parsed: dict[str, Any], **_: Any) -> None:
                read[-1] += parsed.get("ScannedCount", 0)

            on_every_new_client("after-call.dynamodb.Query", count_read)
            add_round_trip()
            print(f"  each DynamoDB call +{ROUND_TRIP_MS} ms; the function's timeout {timeout_s} s")
            for name, limit, query, expected in (
                ("route=MERCHANT_AUTO_REFUND", 50, {"route": "MERCHANT_AUTO_REFUND"}, []),
                ("unfiltered", 100, {}, newest_first),
            ):
                read[:] = [0]
                found, statuses, times = walk(limit, query, read)
                p99 = statistics.quantiles(times, n=100)[98] if len(times) >= 100 else max(times)
                print(
                    f"  {name:27} limit {limit:>3}: {len(times):>4} pages, statuses {sorted(set(map(int, statuses)))},"
                    f" slowest {max(times):,.0f} ms, p99 {p99:,.0f} ms, median {statistics.median(times):,.0f} ms;"
                    f" index items read per page at most {max(read):,};"
                    f" {len(found):,} refunds, exactly the expected ones once each: {found == expected}"
                )
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
