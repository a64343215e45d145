"""HTTP API on an order's refund requests after they were made: the list, the merchant's review
(approve, reject), the buyer's withdrawal, ops' re-issue of a failed payout, and a refunded order's parcel that
left anyway."""

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.clock import utc_now
from fastrefund.domain.identity import Caller
from fastrefund.domain.models.refund import Refund
from fastrefund.edge.http_api import CurrentCaller, OrderIdPath, RefundIdPath, create_app, documented
from fastrefund.logic import parcels_after_refund, payouts, reviews
from fastrefund.logic.parcels_after_refund import OutcomeRecord, ParcelRecord, ParcelView
from fastrefund.logic.refund_views import RefundList, RefundView
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store

app = create_app()
REQUEST = "/orders/<order_id>/refund-requests/<refund_id>"
DECISION_ERRORS = (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT)
DECIDED = {HTTPStatus.OK: ("the request as it now stands (the same, if this action already ended it)", RefundView)}
A_DECISION = documented(DECIDED, *DECISION_ERRORS)


def decided(refund: Refund, action: str, caller: Caller) -> RefundView:
    metrics.add_dimension(name="action", value=action)
    metrics.add_metric(name="ReviewDecisions", unit=MetricUnit.Count, value=1)
    return RefundView.of(refund, caller)


@app.get(
    "/orders/<order_id>/refund-requests",
    operation_id="listRefundRequests",
    summary="The order's refund requests, newest first, each with its resolution and payout",
    tags=["refund requests"],
    responses=documented(
        {HTTPStatus.OK: ("every request of the order", RefundList)}, HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND
    ),
)
def get_refund_requests(order_id: OrderIdPath, caller: CurrentCaller) -> RefundList:
    logger.append_keys(order_id=order_id)
    requests = reviews.list_requests(order_id, caller, get_store())
    return RefundList(refund_requests=[RefundView.of(refund, caller) for refund in requests])


@app.post(
    f"{REQUEST}/approve",
    operation_id="approveRefundRequest",
    summary="Approve a request in review (ops: also one the merchant rejected); the order is refunded",
    tags=["refund requests"],
    responses=A_DECISION,
)
def post_approve(order_id: OrderIdPath, refund_id: RefundIdPath, caller: CurrentCaller) -> RefundView:
    logger.append_keys(order_id=order_id, refund_id=refund_id)
    return decided(reviews.approve(order_id, refund_id, caller, get_store(), utc_now()), "approve", caller)


@app.post(
    f"{REQUEST}/reject",
    operation_id="rejectRefundRequest",
    summary="Reject a request in review, with a reason",
    tags=["refund requests"],
    responses=documented(DECIDED, *DECISION_ERRORS, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
)
def post_reject(
    order_id: OrderIdPath, refund_id: RefundIdPath, rejection: reviews.Rejection, caller: CurrentCaller
) -> RefundView:
    logger.append_keys(order_id=order_id, refund_id=refund_id)
    return decided(reviews.reject(order_id, refund_id, rejection, caller, get_store(), utc_now()), "reject", caller)


@app.post(
    f"{REQUEST}/cancel",
    operation_id="withdrawRefundRequest",
    summary="The buyer withdraws a request still in review",
    tags=["refund requests"],
    responses=A_DECISION,
)
def post_cancel(order_id: OrderIdPath, refund_id: RefundIdPath, caller: CurrentCaller) -> RefundView:
    logger.append_keys(order_id=order_id, refund_id=refund_id)
    return decided(reviews.cancel(order_id, refund_id, caller, get_store(), utc_now()), "cancel", caller)


@app.post(
    f"{REQUEST}/payout-retries",
    operation_id="retryPayout",
    summary="Ops: publish a failed payout again (attempt n+1)",
    tags=["refund requests"],
    responses=A_DECISION,
)
def post_payout_retry(order_id: OrderIdPath, refund_id: RefundIdPath, caller: CurrentCaller) -> RefundView:
    logger.append_keys(order_id=order_id, refund_id=refund_id)
    refund = payouts.retry_payout(order_id, refund_id, caller, get_store(), utc_now())
    metrics.add_metric(name="PayoutRetries", unit=MetricUnit.Count, value=1)
    return RefundView.of(refund, caller)


PARCEL = "/orders/<order_id>/parcel-after-refund"
PARCEL_ERRORS = (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT)


@app.post(
    PARCEL,
    operation_id="recordParcelAfterRefund",
    summary="Record that a refunded order's parcel left anyway (201; 200 the one recorded before, unchanged)",
    tags=["refund requests"],
    responses=documented(
        {
            HTTPStatus.CREATED: ("the parcel, recorded now", ParcelView),
            HTTPStatus.OK: ("the parcel recorded before, unchanged (whatever this body said)", ParcelView),
        },
        *PARCEL_ERRORS,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
)
def post_parcel(order_id: OrderIdPath, record: ParcelRecord, caller: CurrentCaller) -> Response[ParcelView]:
    logger.append_keys(order_id=order_id)
    parcel, recorded = parcels_after_refund.record_parcel(order_id, record, caller, get_store(), utc_now())
    if recorded:
        metrics.add_metric(name="ParcelsAfterRefund", unit=MetricUnit.Count, value=1)
    status = HTTPStatus.CREATED if recorded else HTTPStatus.OK
    return Response(status_code=status, content_type="application/json", body=parcel)


@app.put(
    PARCEL,
    operation_id="recordParcelOutcome",
    summary="Record what became of the parcel: INTERCEPTED, RETURNED or LOST (once)",
    tags=["refund requests"],
    responses=documented(
        {HTTPStatus.OK: ("the parcel with its outcome", ParcelView)}, *PARCEL_ERRORS, HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    ),
)
def put_parcel_outcome(order_id: OrderIdPath, record: OutcomeRecord, caller: CurrentCaller) -> ParcelView:
    logger.append_keys(order_id=order_id)
    return parcels_after_refund.record_outcome(order_id, record, caller, get_store(), utc_now())


@app.get(
    PARCEL,
    operation_id="getParcelAfterRefund",
    summary="A refunded order's parcel that left anyway, and what became of it",
    tags=["refund requests"],
    responses=documented({HTTPStatus.OK: ("the parcel", ParcelView)}, *PARCEL_ERRORS),
)
def get_parcel(order_id: OrderIdPath, caller: CurrentCaller) -> ParcelView:
    logger.append_keys(order_id=order_id)
    return parcels_after_refund.get_parcel(order_id, caller, get_store())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
