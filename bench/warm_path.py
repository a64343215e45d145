"""The warm path's cost against its floor: the same AWS calls made by a bare boto3 script.

    make bench        (or: .venv/bin/python -m bench.warm_path)

On AWS's DynamoDB Local (in its own JVM, so the CPU measured here is the caller's alone). For each kind of
request (the platform refund, the merchant-policy refund with its settings cached, the eligibility GET)
the handler is invoked warm, as API Gateway would, and the floor replays the very calls that handler made
(recorded from botocore, with each new order's ids put in) through a boto3 client as a bare script makes
it: no validation, no routing, no logging. The service's DynamoDB client skips botocore's own check of each
request (platform/aws_clients.py), so the same calls are also replayed on a client with its settings: that
ratio is the service's code alone. The two alternate, request by request, so that both see the same machine. Then the
import of the orders handler against `import boto3` + a DynamoDB client, in fresh interpreters.

At 512 MB a Lambda has about 0.29 of a vCPU, so on Lambda the CPU ratio is the one that shows.
"""

import copy
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore

from bench import measurements
from bench.botocore_hooks import on_every_new_client
from devtools.catalogue.template import Resolver, Template
from devtools.emulator import resources
from devtools.emulator.dynamodb_local import DynamoDBLocal
from devtools.invoking.harness import LambdaContext, catalogue, load_module
from devtools.invoking.sample_events import api_event, buyer
from fastrefund.platform import aws_clients

REQUESTS = 150  # per kind, for the handler and for the floor each
ROOT = Path(__file__).resolve().parent.parent

Call = tuple[str, dict[str, Any]]  # (client method, its keyword arguments)
recorded: list[Call] | None = None


def record(params: dict[str, Any], model: Any, **_: object) -> None:
    if recorded is not None:
        recorded.append((botocore.xform_name(model.name), copy.deepcopy(params)))


def calls_of(request: Callable[[], dict]) -> list[Call]:
    global recorded
    recorded = []
    response = request()
    assert response["statusCode"] in (200, 201), response
    made, recorded = recorded, None
    return made


def replayed(calls: list[Call], ids: dict[str, str]) -> list[Call]:
    """The calls with another order's ids (and a new refund id) put in."""
    text = json.dumps(calls)
    for old, new in ids.items():
        text = text.replace(old, new)
    # botocore fills in a transaction's idempotency token itself: a replay must get its own
    return [
        (method, {k: v for k, v in params.items() if k != "ClientRequestToken"}) for method, params in json.loads(text)
    ]


def timed(run: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def setup(engine: DynamoDBLocal, rules_file: Path) -> None:
    os.environ.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_ENDPOINT_URL_DYNAMODB=engine.endpoint,
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_NAMESPACE="FastRefund",
        POWERTOOLS_SERVICE_NAME="fast-refund",
    )
    template = Template.load(prefix="bench")
    resolve = Resolver(template)
    resources.create_tables(template, boto3.client("dynamodb", endpoint_url=engine.endpoint), resolve)
    resources.name_the_rest(template, resolve)
    rules_file.write_text(template.resources["RulesParameter"]["Properties"]["Value"])
    os.environ.update(resources.function_environment(template, resolve), RULES_FILE=str(rules_file))
    os.environ.pop("RULES_PARAMETER_NAME", None)


KINDS = {"p": (19_900, True), "m": (45_000, False), "e": (19_900, True)}  # the order's amount, and its badge


def seed(orders_per_kind: int = 3 * REQUESTS + 2, kinds: str = "pme") -> None:
    """The merchant's policy, and paid orders of each kind: p-<n> for the platform route, m-<n> for the merchant
    policy's, e-<n> for the eligibility GET."""
    from fastrefund.domain.clock import utc_now
    from fastrefund.domain.models.merchant import AutoRefundPolicy
    from fastrefund.domain.models.order import Order
    from fastrefund.repositories.store import get_store

    store, paid_at = get_store(), utc_now() - timedelta(hours=1)
    policy = AutoRefundPolicy(enabled=True, max_refund_amount_fen=50_000, daily_limit_amount_fen=10**11)
    store.merchants.set_auto_refund_policy("m-1", policy, utc_now() - timedelta(minutes=1))
    for kind in kinds:
        amount, badge = KINDS[kind]
        for n in range(orders_per_kind):
            order = {
                "order_id": f"{kind}-{n}",
                "merchant_id": "m-1",
                "buyer_id": f"b-{kind}-{n}",  # a buyer an order: each refund is its buyer's first, as replayed
                "product_id": "p-1",
                "product_type": "PHYSICAL",
                "paid_amount_fen": amount,
                "paid_at": paid_at,
                "status": "PAID",
                "badge_at_payment": badge,
            }
            store.orders.add_paid(Order.model_validate(order))


def orders_api(event: dict[str, Any]) -> Callable[[], dict]:
    """One invocation of the orders API's handler, as Lambda makes it: the event and the context are made
    before (they are Lambda's work, not the handler's)."""
    function = catalogue().function("orders_api")
    handler = load_module(function).lambda_handler
    context = LambdaContext.of(function, function.logical_id)
    return lambda: handler(event, context)


def refund(order_id: str) -> Callable[[], dict]:
    request = api_event(
        "orders_api_refund_request", caller=buyer(f"b-{order_id}"), path={"order_id": order_id}, body={}
    )
    return orders_api(request)


def eligibility(order_id: str) -> Callable[[], dict]:
    return orders_api(api_event("orders_api_eligibility", caller=buyer(f"b-{order_id}"), path={"order_id": order_id}))


# The floor of each request: what it cannot do with fewer calls (docs/design.md): one read round trip (the order
# with the buyer's standing; the dry run's second, the merchant's day) and one transactional write; the merchant
# route one reservation more. The bare script makes exactly these; the handler must make no more.
FLOOR_CALLS = {"p": ["BatchGetItem", "TransactWriteItems"], "m": ["BatchGetItem", "UpdateItem", "TransactWriteItems"],
               "e": ["BatchGetItem", "BatchGetItem"]}  # fmt: skip


def compare(label: str, kind: str, request: Callable[[str], Callable[[], dict]], writes: bool) -> float:
    """Prints the handler against the floor (the floor's calls, made by a bare boto3 script); the handler's mean
    CPU per request, in ms."""
    bare = boto3.client("dynamodb")  # the floor: a bare script's client, as boto3 makes it
    configured = boto3.client("dynamodb", config=aws_clients.UNCHECKED)  # the service's client settings
    request(f"{kind}-{3 * REQUESTS + 1}")()  # warm: a merchant's settings are then in the container's copy
    template_calls = calls_of(request(f"{kind}-0"))
    made = [_operation(method) for method, _ in template_calls]
    assert made == FLOOR_CALLS[kind], f"{label}: the handler made {made}, the floor is {FLOOR_CALLS[kind]}"
    refund_id = next(
        (params["Item"]["refund_id"]["S"] for _, ps in template_calls for params in _puts(ps)), "no refund"
    )
    handler, floor, same_client = [], [], []
    for n in range(1, REQUESTS + 1):
        handler.append(timed(request(f"{kind}-{3 * n - 2}" if writes else f"{kind}-0")))
        for client, times, order in ((bare, floor, 3 * n - 1), (configured, same_client, 3 * n)):
            ids = {
                f'"{kind}-0"': f'"{kind}-{order}"',
                f'"b-{kind}-0"': f'"b-{kind}-{order}"',
                refund_id: str(uuid.uuid4()),
            }
            ids = ids if writes else {}
            calls = replayed(template_calls, ids)
            times.append(
                timed(lambda calls=calls, c=client: [getattr(c, method)(**params) for method, params in calls])
            )
    wall = statistics.median(w for w, _ in handler), statistics.median(w for w, _ in floor)
    cpu = [statistics.mean(c for _, c in times) for times in (handler, floor, same_client)]
    print(
        f"{label:<48} {len(template_calls)} calls  wall {wall[0] * 1000:5.2f} / {wall[1] * 1000:5.2f} ms"
        f" = {wall[0] / wall[1]:.2f}x   CPU {cpu[0] * 1000:5.2f} / {cpu[1] * 1000:5.2f} ms = {cpu[0] / cpu[1]:.2f}x"
        f"   (CPU vs the same calls on the service's client settings: {cpu[0] / cpu[2]:.2f}x)"
    )
    return cpu[0] * 1000


def _operation(method: str) -> str:
    """batch_get_item -> BatchGetItem"""
    return "".join(word.capitalize() for word in method.split("_"))


def _puts(params: dict[str, Any]) -> list[dict[str, Any]]:
    return [item["Put"] for item in params.get("TransactItems", []) if "Put" in item]


IMPORTS = {
    "orders handler + client": (
        "import app; from fastrefund.platform import aws_clients; aws_clients.client('dynamodb')"
    ),
    "boto3 + client": "import boto3; boto3.client('dynamodb')",
    "boto3 + pydantic + the Powertools parts it uses + client": (
        "import boto3, pydantic; from aws_lambda_powertools import Logger, Metrics, Tracer;"
        " from aws_lambda_powertools.event_handler import APIGatewayRestResolver;"
        " from aws_lambda_powertools.event_handler.openapi import params; boto3.client('dynamodb')"
    ),
}
IMPORT_ROUNDS = 7


# As Lambda finds them: the function's code, then the layer (as `sam build` makes them: make bench builds first),
# then the runtime's boto3 (here, the virtualenv's)
SHIPPED = [str(ROOT / ".aws-sam/build/OrdersApiFunction"), str(ROOT / ".aws-sam/build/SharedLayer/python")]


def import_cpu(statement: str) -> float:
    """The CPU seconds of `statement` in a fresh interpreter, with the built function and layer on its path."""
    program = (
        f"import sys, time; sys.path[:0] = {SHIPPED!r}; t = time.process_time(); "
        f"{statement}; print(time.process_time() - t)"
    )
    # As in Lambda: tracing on, and LAMBDA_TASK_ROOT set (elsewhere the X-Ray SDK makes a sampling client
    # when imported, ~0.2 s)
    environment = dict(
        os.environ, AWS_DEFAULT_REGION="us-east-1", LAMBDA_TASK_ROOT=str(ROOT), PYTHONDONTWRITEBYTECODE="1"
    )  # Lambda's file system is read-only: nothing imported is compiled for the next run
    environment.pop("POWERTOOLS_TRACE_DISABLED", None)
    run = [sys.executable, "-c", program]
    return float(subprocess.run(run, capture_output=True, text=True, check=True, cwd=ROOT, env=environment).stdout)


def compare_imports() -> None:
    """Each import in turn, round after round (so that all see the same machine), then the medians."""
    times: dict[str, list[float]] = {label: [] for label in IMPORTS}
    for _ in range(IMPORT_ROUNDS):
        for label, statement in IMPORTS.items():
            times[label].append(import_cpu(statement))
    handler, *floors = (statistics.median(measured) for measured in times.values())
    print(
        f"import CPU (median of {IMPORT_ROUNDS}, the built function and layer, as in Lambda): orders handler + client"
        f" {handler * 1000:.0f} ms"
    )
    for label, floor in zip(list(IMPORTS)[1:], floors, strict=True):
        print(f"  {label} {floor * 1000:.0f} ms: {handler / floor:.2f}x")


def main() -> None:
    on_every_new_client("before-parameter-build", record)
    with DynamoDBLocal() as engine:
        setup(engine, Path(os.environ.get("TMPDIR", "/tmp")) / "bench-rules.json")
        seed()
        eligibility("e-0")()  # a cold start: the handler's imports, the rules
        print(f"warm path, {REQUESTS} requests each: handler / the same calls from bare boto3 (wall median, CPU mean)")
        measured = {
            "platform refund, CPU ms": compare("refund, platform route", "p", refund, writes=True),
            "merchant refund, CPU ms": compare("refund, merchant policy route (settings cached)", "m", refund, True),
            "eligibility, CPU ms": compare("eligibility GET", "e", eligibility, writes=False),
        }
        for name, cpu_ms in measured.items():
            measurements.record(name, cpu_ms, "bench.warm_path")
    compare_imports()


if __name__ == "__main__":
    main()
