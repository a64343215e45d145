"""HTTP API on one order: the eligibility dry run, the refund request and the shipment."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import WithJsonSchema

from fastrefund.domain.clock import utc_now
from fastrefund.domain.models.common import Reason, RefundReasonCode
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.edge.http_api import CurrentCaller, OrderIdPath, ShipmentRefusedBody, create_app, documented
from fastrefund.logic.eligibility import Eligibility, check_eligibility
from fastrefund.logic.refund_requests import RefundRequest, request_refund
from fastrefund.logic.refund_views import RefundView
from fastrefund.logic.shipments import ShipmentRequest, ShipmentView, ship_order
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.rules_source import load_rulebook
from fastrefund.repositories.store import get_store

app = create_app()
# Read as any JSON object, and checked as a RefundRequest only when it makes a new request: asking again
# returns the open or approved request whatever the body says (the document shows the RefundRequest). Its enum
# refers to the document's components (RefundReasonCode is there, from the refund view), not to local $defs.
_REFUND_REQUEST_SCHEMA = RefundRequest.model_json_schema(ref_template="#/components/schemas/{model}")
_REFUND_REQUEST_SCHEMA.pop("$defs", None)
AnyRefundRequest = Annotated[
    dict[str, Any] | None, WithJsonSchema(_REFUND_REQUEST_SCHEMA), Body(description="optional")
]


@app.get(
    "/orders/<order_id>/fast-refund-eligibility",
    operation_id="getEligibility",
    summary="Would a refund request be auto-approved now, by which route, and why not",
    tags=["orders"],
    responses=documented(
        {HTTPStatus.OK: ("whether and how a refund would be approved now", Eligibility)},
        HTTPStatus.FORBIDDEN,
        HTTPStatus.NOT_FOUND,
    ),
)
def get_eligibility(
    order_id: OrderIdPath,
    caller: CurrentCaller,
    reason_code: Annotated[RefundReasonCode, Query(description="the reason the buyer would give (absent: OTHER)")] = (
        RefundReasonCode.OTHER
    ),
) -> Eligibility:
    logger.append_keys(order_id=order_id)
    eligibility = check_eligibility(order_id, caller, get_store(), load_rulebook(), utc_now(), reason_code)
    metrics.add_metric(name="EligibilityChecked", unit=MetricUnit.Count, value=1)
    return eligibility


@app.post(
    "/orders/<order_id>/refund-requests",
    operation_id="requestRefund",
    summary="Ask for a refund; decided at once (201 new, 200 the existing request)",
    tags=["orders"],
    responses=documented(
        {
            HTTPStatus.CREATED: ("a new request, decided", RefundView),
            HTTPStatus.OK: ("the order's existing request, unchanged (whatever this body said)", RefundView),
        },
        HTTPStatus.FORBIDDEN,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
)
def post_refund_request(
    order_id: OrderIdPath, caller: CurrentCaller, body: AnyRefundRequest = None
) -> Response[RefundView]:
    logger.append_keys(order_id=order_id)
    refund, created = request_refund(order_id, body, caller, get_store(), load_rulebook(), utc_now())
    if created:
        metrics.add_dimension(name="status", value=refund.status)
        metrics.add_dimension(name="route", value=refund.route or "NONE")
        metrics.add_metric(name="RefundsDecided", unit=MetricUnit.Count, value=1)
        if refund.status is RefundStatus.AUTO_REFUNDED:
            metrics.add_metric(name="AutoRefundedFen", unit=MetricUnit.Count, value=refund.amount_fen)
        if Reason.DAILY_LIMIT_REACHED in refund.reasons:  # the merchant's day was used up: to review instead
            metrics.add_metric(name="DailyLimitHits", unit=MetricUnit.Count, value=1)
    status = HTTPStatus.CREATED if created else HTTPStatus.OK
    return Response(status_code=status, content_type="application/json", body=RefundView.of(refund, caller))


@app.post(
    "/orders/<order_id>/shipments",
    operation_id="recordShipment",
    summary="Record the shipment; refused with 409 ORDER_REFUNDED and STOP_SHIPMENT if refunded first",
    tags=["orders"],
    responses=documented(
        {HTTPStatus.OK: ("the shipment, recorded now or before", ShipmentView)},
        HTTPStatus.FORBIDDEN,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        error_bodies={HTTPStatus.CONFLICT: ShipmentRefusedBody},
    ),
)
def post_shipment(order_id: OrderIdPath, request: ShipmentRequest, caller: CurrentCaller) -> ShipmentView:
    logger.append_keys(order_id=order_id)
    shipment = ship_order(order_id, request, caller, get_store(), utc_now())
    metrics.add_metric(name="ShipmentRecorded", unit=MetricUnit.Count, value=1)
    return shipment


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
