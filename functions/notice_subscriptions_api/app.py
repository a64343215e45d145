"""HTTP API of a merchant's notice subscriptions: SQS queues, HTTPS URLs or email addresses."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.clock import utc_now
from fastrefund.edge.http_api import CurrentCaller, MerchantIdPath, SubscriptionIdPath, create_app, documented
from fastrefund.logic import notice_subscriptions
from fastrefund.logic.notice_subscriptions import SubscriptionList, SubscriptionRequest, SubscriptionView
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store

app = create_app()


@app.put(
    "/merchants/<merchant_id>/notice-subscriptions",
    operation_id="subscribeToNotices",
    summary="Subscribe an SQS queue, an HTTPS URL or an email address to this merchant's notices",
    tags=["notices"],
    responses=documented(
        {HTTPStatus.OK: ("the subscription (the same one for the same endpoint)", SubscriptionView)},
        HTTPStatus.FORBIDDEN,
        HTTPStatus.CONFLICT,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
)
def put_notice_subscription(
    merchant_id: MerchantIdPath, request: Annotated[SubscriptionRequest, Body()], caller: CurrentCaller
) -> SubscriptionView:
    logger.append_keys(merchant_id=merchant_id)
    view = notice_subscriptions.subscribe(merchant_id, request, caller, get_store(), utc_now())
    metrics.add_metric(name="NoticeSubscriptionsAdded", unit=MetricUnit.Count, value=1)
    return view


@app.get(
    "/merchants/<merchant_id>/notice-subscriptions",
    operation_id="listNoticeSubscriptions",
    summary="This merchant's notice subscriptions",
    tags=["notices"],
    responses=documented({HTTPStatus.OK: ("the subscriptions", SubscriptionList)}, HTTPStatus.FORBIDDEN),
)
def get_notice_subscriptions(merchant_id: MerchantIdPath, caller: CurrentCaller) -> SubscriptionList:
    logger.append_keys(merchant_id=merchant_id)
    return notice_subscriptions.list_subscriptions(merchant_id, caller, get_store())


@app.delete(
    "/merchants/<merchant_id>/notice-subscriptions/<subscription_id>",
    operation_id="unsubscribeFromNotices",
    summary="Remove one of this merchant's notice subscriptions",
    tags=["notices"],
    responses=documented({HTTPStatus.NO_CONTENT: ("removed", None)}, HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND),
)
def delete_notice_subscription(
    merchant_id: MerchantIdPath, subscription_id: SubscriptionIdPath, caller: CurrentCaller
) -> Response[None]:
    logger.append_keys(merchant_id=merchant_id)
    notice_subscriptions.unsubscribe(merchant_id, subscription_id, caller, get_store())
    return Response(status_code=HTTPStatus.NO_CONTENT)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
