"""HTTP API on one order: the eligibility dry run."""

from http import HTTPStatus

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.api import CurrentCaller, OrderIdPath, create_app, documented_errors
from fastrefund.clock import utc_now
from fastrefund.eligibility import Eligibility, check_eligibility
from fastrefund.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store
from fastrefund.rulebook import load_rulebook

app = create_app()


@app.get(
    "/orders/<order_id>/fast-refund-eligibility",
    summary="Would a refund request be auto-approved now, by which route, and why not",
    tags=["orders"],
    responses=documented_errors(HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND),
)
@tracer.capture_method
def get_eligibility(order_id: OrderIdPath, caller: CurrentCaller) -> Eligibility:
    logger.append_keys(order_id=order_id)
    eligibility = check_eligibility(order_id, caller, get_store(), load_rulebook(), utc_now())
    metrics.add_metric(name="EligibilityChecked", unit=MetricUnit.Count, value=1)
    return eligibility


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
