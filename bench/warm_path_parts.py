"""Where a warm refund's CPU goes beyond its AWS calls: each part switched off in turn, in one process.

    make bench        (or: .venv/bin/python -m bench.warm_path_parts | grep -v '^{')

The platform refund of bench/warm_path.py (DynamoDB Local, the handler invoked as Lambda does), its requests
alternating between the handler as it is and the handler with one part switched off; the difference of the
mean CPU is what that part costs. The first row switches nothing off: its difference is the noise. A part
switched off here is a measurement, not a proposal: the service keeps each of them. Log lines and metrics
go to stdout, as on Lambda. On this machine, figures under about 0.25 ms change from run to run. (The
decision's log line is left out: switching it off, by its level or by silencing the call, measured below
zero in every run; the likeliest reason is that its flush also writes out the metrics' buffered lines.)
"""

import json
import os
import re
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths

from bench import warm_path
from devtools.emulator.dynamodb_local import DynamoDBLocal
from devtools.invoking.harness import catalogue, load_module

ROUNDS = 200  # pairs of requests per part


def orders_api() -> Any:
    return load_module(catalogue().function("orders_api"))


@contextmanager
def handler_replaced(handler: Callable[[dict[str, Any], Any], dict[str, Any]]) -> Iterator[None]:
    module = orders_api()
    kept, module.lambda_handler = module.lambda_handler, handler
    try:
        yield
    finally:
        module.lambda_handler = kept


def decorated(base: Callable[[dict[str, Any], Any], dict[str, Any]], leave_out: str = "") -> Any:
    """`base` under the handler's decorator stack (functions/orders_api/app.py), less the one named."""
    from fastrefund.platform.observability import logger, metrics, tracer

    handler = base
    if leave_out != "tracer":
        handler = tracer.capture_lambda_handler(handler)
    if leave_out != "metrics":
        handler = metrics.log_metrics(capture_cold_start_metric=True)(handler)
    if leave_out != "logger":
        handler = logger.inject_lambda_context(
            correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
        )(handler)
    return handler


def without_decorator(name: str) -> AbstractContextManager[None]:
    app = orders_api().app
    return handler_replaced(decorated(lambda event, context: app.resolve(event, context), name))


def minimal_dispatcher() -> AbstractContextManager[None]:
    """The refund route called as a few lines of code would call it: no routing table, no middleware, no
    validation beyond the id's pattern, the answer dumped by pydantic."""
    from fastrefund.domain.identity import Caller

    module, order_id_pattern = orders_api(), re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

    def dispatch(event: dict[str, Any], context: Any) -> dict[str, Any]:
        order_id = event["pathParameters"]["order_id"]
        assert order_id_pattern.match(order_id)
        caller = Caller.from_authorizer_context(event["requestContext"]["authorizer"])
        answer = module.post_refund_request(order_id=order_id, caller=caller, body=json.loads(event["body"] or "null"))
        assert isinstance(answer, Response)
        return {
            "statusCode": answer.status_code,
            "headers": {"Content-Type": "application/json"},
            "body": answer.body.model_dump_json(),
        }

    return handler_replaced(decorated(dispatch))


@contextmanager
def no_owed_marks() -> Iterator[None]:
    from fastrefund.repositories import refund_items, refunds

    kept = refund_items.owed_marks
    refund_items.owed_marks = refunds.owed_marks = lambda refund: {}
    try:
        yield
    finally:
        refund_items.owed_marks = refunds.owed_marks = kept


PARTS: dict[str, Callable[[], AbstractContextManager[None]]] = {
    "nothing (the noise)": nullcontext,
    "Powertools' validating resolver, against a minimal dispatcher": minimal_dispatcher,
    "the owed marks (the messages a refund owes, on its item)": no_owed_marks,
    "Logger.inject_lambda_context": lambda: without_decorator("logger"),
    "Metrics.log_metrics": lambda: without_decorator("metrics"),
    "Tracer.capture_lambda_handler (tracing off, as here)": lambda: without_decorator("tracer"),
}


def measure(orders: Iterator[str]) -> None:
    for label, switched_off in PARTS.items():
        cpu: dict[bool, list[float]] = {True: [], False: []}
        for round_ in range(ROUNDS):
            for with_part in (True, False) if round_ % 2 else (False, True):
                with nullcontext() if with_part else switched_off():
                    request = warm_path.refund(next(orders))  # made inside: it looks up the handler now
                    started = time.process_time()
                    response = request()  # its log line and its metrics go to stdout, as on Lambda
                    cpu[with_part].append(time.process_time() - started)
                assert response["statusCode"] == 201, response
        saved = statistics.mean(cpu[True]) - statistics.mean(cpu[False])
        print(f"  {label:<62} {saved * 1000:6.3f} ms of {statistics.mean(cpu[True]) * 1000:5.2f}")


def main() -> None:
    with DynamoDBLocal() as engine:
        warm_path.setup(engine, Path(os.environ.get("TMPDIR", "/tmp")) / "bench-rules.json")
        orders_per_kind = 2 * ROUNDS * len(PARTS) + 1
        warm_path.seed(orders_per_kind, kinds="p")
        orders = (f"p-{n}" for n in range(orders_per_kind))
        warm_path.refund(next(orders))()  # a cold start
        print(f"the platform refund's CPU, part by part ({ROUNDS} pairs each): what switching it off saves")
        measure(orders)


if __name__ == "__main__":
    main()
