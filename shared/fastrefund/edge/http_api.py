"""What every HTTP function shares: the resolver, the caller, and the one map from errors to statuses.

Errors have one body (docs/contract.md, "Conventions"): {"error": {"code", "message", "details"}}.
"""

import functools
import typing
from collections.abc import Mapping
from http import HTTPStatus
from typing import Annotated, Any, Literal, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Depends, Request, Response
from aws_lambda_powertools.event_handler import depends as powertools_depends
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, Field

from fastrefund.domain.errors import (
    EndpointInUse,
    ExportNotFound,
    Forbidden,
    InvalidBody,
    InvalidCursor,
    InvalidEndpoint,
    InvalidInput,
    MerchantNotFound,
    OrderAlreadyShipped,
    OrderClosed,
    OrderNotFound,
    OrderNotRefunded,
    OrderNotShipped,
    OrderRefunded,
    ParcelNotFound,
    ParcelOutcomeRecorded,
    PayoutNotFailed,
    RefundNotFound,
    RefundNotInReview,
    RulesUnavailable,
    ServiceError,
    SubscriptionNotFound,
    TemporarilyUnavailable,
    TooManyRequests,
    TrialNotFound,
    Unauthenticated,
    field_issues,
)
from fastrefund.domain.identity import Caller
from fastrefund.domain.models.common import IDENTIFIER_MAX_LENGTH, IDENTIFIER_PATTERN
from fastrefund.edge.json_bodies import JsonBodiesOnly, media_type, parse_json_body
from fastrefund.platform import snapstart  # noqa: F401  every API function restores from a SnapStart snapshot well
from fastrefund.platform.observability import logger

# Powertools reads a route's and each dependency's type hints again on every request, to find its Depends()
# (typing.get_type_hints over Annotated signatures). Routes and dependencies here are plain functions, whose
# signatures do not change while a container lives: each is read once. (A dependency that cannot be hashed
# would go unseen, and every route using it fail its tests: keep dependencies plain functions.)
powertools_depends.get_type_hints = functools.cache(typing.get_type_hints)  # type: ignore[attr-defined,assignment]

# The one place a domain error becomes an HTTP status and an error code.
ERROR_STATUS: dict[type[ServiceError], tuple[HTTPStatus, str]] = {
    Unauthenticated: (HTTPStatus.UNAUTHORIZED, "UNAUTHENTICATED"),
    Forbidden: (HTTPStatus.FORBIDDEN, "FORBIDDEN"),
    OrderNotFound: (HTTPStatus.NOT_FOUND, "ORDER_NOT_FOUND"),
    OrderClosed: (HTTPStatus.CONFLICT, "ORDER_CLOSED"),
    OrderRefunded: (HTTPStatus.CONFLICT, "ORDER_REFUNDED"),
    OrderAlreadyShipped: (HTTPStatus.CONFLICT, "ORDER_ALREADY_SHIPPED"),
    RefundNotFound: (HTTPStatus.NOT_FOUND, "REFUND_NOT_FOUND"),
    RefundNotInReview: (HTTPStatus.CONFLICT, "REFUND_NOT_IN_REVIEW"),
    TooManyRequests: (HTTPStatus.CONFLICT, "TOO_MANY_REQUESTS_FOR_ORDER"),
    OrderNotShipped: (HTTPStatus.CONFLICT, "ORDER_NOT_SHIPPED"),
    PayoutNotFailed: (HTTPStatus.CONFLICT, "PAYOUT_NOT_FAILED"),
    SubscriptionNotFound: (HTTPStatus.NOT_FOUND, "SUBSCRIPTION_NOT_FOUND"),
    TrialNotFound: (HTTPStatus.NOT_FOUND, "TRIAL_NOT_FOUND"),
    ExportNotFound: (HTTPStatus.NOT_FOUND, "EXPORT_NOT_FOUND"),
    MerchantNotFound: (HTTPStatus.NOT_FOUND, "MERCHANT_NOT_FOUND"),
    OrderNotRefunded: (HTTPStatus.CONFLICT, "ORDER_NOT_REFUNDED"),
    ParcelNotFound: (HTTPStatus.NOT_FOUND, "PARCEL_NOT_FOUND"),
    ParcelOutcomeRecorded: (HTTPStatus.CONFLICT, "PARCEL_OUTCOME_RECORDED"),
    EndpointInUse: (HTTPStatus.CONFLICT, "ENDPOINT_IN_USE"),
    InvalidEndpoint: (HTTPStatus.UNPROCESSABLE_ENTITY, "VALIDATION_ERROR"),
    InvalidCursor: (HTTPStatus.UNPROCESSABLE_ENTITY, "INVALID_CURSOR"),
    InvalidBody: (HTTPStatus.UNPROCESSABLE_ENTITY, "VALIDATION_ERROR"),
    InvalidInput: (HTTPStatus.UNPROCESSABLE_ENTITY, "VALIDATION_ERROR"),
    TemporarilyUnavailable: (HTTPStatus.SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE"),
    RulesUnavailable: (HTTPStatus.SERVICE_UNAVAILABLE, "RULES_UNAVAILABLE"),
}


def error_response(
    status: HTTPStatus,
    code: str,
    message: str,
    details: list[Any] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[Any]:
    body = {"error": {"code": code, "message": message, "details": details or []}} | extra
    return Response(status_code=status, content_type="application/json", body=body, headers=headers)


def accepted(body: BaseModel, location: str) -> Response[Any]:
    """202: the work goes on in the background; GET `location` for its result."""
    return Response(
        status_code=HTTPStatus.ACCEPTED, content_type="application/json", body=body, headers={"Location": location}
    )


def create_app() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=parse_json_body)
    # Powertools builds each route's middleware stack from this attribute: ours reads bodies as JSON only.
    app._request_validation_middleware = JsonBodiesOnly()  # type: ignore[no-untyped-call]

    @app.exception_handler(ServiceError)
    def _service_error(exc: ServiceError) -> Response[Any]:
        status, code = ERROR_STATUS[type(exc)]  # every service error has its entry (tests/unit/test_error_map.py)
        logger.info("request refused", extra={"code": code, "detail": exc.details})
        details = exc.issues if isinstance(exc, InvalidBody) else [exc.details] if exc.details else []
        if isinstance(exc, OrderRefunded):
            return error_response(status, code, exc.message, details, action="STOP_SHIPMENT", refund_id=exc.refund_id)
        if isinstance(exc, TemporarilyUnavailable):
            headers = {"Retry-After": str(exc.retry_after_seconds)}
            return error_response(status, code, exc.message, details, headers=headers)
        return error_response(status, code, exc.message, details)

    @app.exception_handler(RequestUnsupportedContentType)
    def _not_json(_: RequestUnsupportedContentType) -> Response[Any]:
        sent = media_type(app.current_event.headers) or "missing"
        return error_response(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "send the body as JSON, with Content-Type: application/json",
            [{"field": "header.Content-Type", "issue": f"{sent}: expected application/json"}],
        )

    @app.exception_handler(UnicodeDecodeError)
    def _not_utf8(_: UnicodeDecodeError) -> Response[Any]:
        details = [{"field": "body", "issue": "not valid UTF-8"}]
        return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, "VALIDATION_ERROR", "the request is invalid", details)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response[Any]:
        details = field_issues(exc.errors())
        logger.info("request invalid", extra={"details": details})
        return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, "VALIDATION_ERROR", "the request is invalid", details)

    @app.not_found
    def _no_such_route(_: NotFoundError) -> Response[Any]:
        return error_response(HTTPStatus.NOT_FOUND, "NOT_FOUND", "no such resource")  # as API Gateway says it

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[Any]:
        # Logged with its traceback for operators; the caller learns nothing about internals.
        logger.exception("unexpected error")
        return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "something went wrong")

    return app


def current_caller(request: Request) -> Caller:
    """Route dependency: the caller, from the context our authorizer put on the request."""
    event = cast(APIGatewayProxyEvent, request.resolved_event)  # our functions are REST API (v1) proxies
    return Caller.from_authorizer_context(event.request_context.authorizer.get_context())


def _id_path(description: str) -> Path:
    return Path(min_length=1, max_length=IDENTIFIER_MAX_LENGTH, pattern=IDENTIFIER_PATTERN, description=description)


OrderIdPath = Annotated[str, _id_path("the order")]
MerchantIdPath = Annotated[str, _id_path("the merchant")]
SubscriptionIdPath = Annotated[str, _id_path("the subscription")]
RefundIdPath = Annotated[str, _id_path("the refund request")]
BuyerIdPath = Annotated[str, _id_path("the buyer")]
TrialIdPath = Annotated[str, _id_path("the policy trial")]
ExportIdPath = Annotated[str, _id_path("the statement export")]
CurrentCaller = Annotated[Caller, Depends(current_caller)]


class ErrorDetail(BaseModel):
    code: str = Field(description="UPPER_SNAKE error code")
    message: str
    details: list[dict[str, Any]] = Field(description="which field or object, and why")


class ErrorBody(BaseModel):
    error: ErrorDetail


class ShipmentRefusedBody(ErrorBody):
    """A shipment's 409: when the order was refunded first (ORDER_REFUNDED), what the merchant must do and the
    refund that did it, so that an ERP reads them from its generated model."""

    action: Literal["STOP_SHIPMENT"] | None = Field(default=None, description="with ORDER_REFUNDED: keep the parcel")
    refund_id: str | None = Field(default=None, description="with ORDER_REFUNDED: the refund recorded first")


_ERROR_DESCRIPTIONS = {
    HTTPStatus.UNAUTHORIZED: "no valid bearer token",
    HTTPStatus.FORBIDDEN: "the caller's role may not do this, or the merchant is not the caller's",
    HTTPStatus.NOT_FOUND: "no such order (or none the caller may see: the same answer), request or subscription",
    HTTPStatus.CONFLICT: "the order's or the request's state does not allow it (the code and details say which)",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "the body is not sent as application/json",
    HTTPStatus.UNPROCESSABLE_ENTITY: "a malformed body, path or query; details name the field",
    HTTPStatus.SERVICE_UNAVAILABLE: (
        "a dependency is busy (SERVICE_UNAVAILABLE), or no valid rules document has been pushed yet"
        " (RULES_UNAVAILABLE, for refund requests and dry runs); nothing changed, retry after Retry-After seconds"
    ),
}


def documented(
    success: Mapping[HTTPStatus, tuple[str, type[BaseModel] | None]],
    *errors: HTTPStatus,
    error_bodies: Mapping[HTTPStatus, type[ErrorBody]] | None = None,
) -> dict[int, OpenAPIResponse]:
    """A route's answers for the OpenAPI document: each success (what it means, its body's model, if it
    has a body) and its errors (ErrorBody, unless error_bodies names a richer one); 401, 422 and 503 apply to
    every route."""
    every_route = (HTTPStatus.UNAUTHORIZED, HTTPStatus.UNPROCESSABLE_ENTITY, HTTPStatus.SERVICE_UNAVAILABLE)
    answers: dict[int, OpenAPIResponse] = {}
    for status, (description, model) in success.items():
        # No model: no body (an empty content map; Powertools would otherwise document the return type)
        answer: OpenAPIResponse = {"description": description, "content": {}}
        if model is not None:
            answer["content"] = {"application/json": {"model": model}}
        answers[int(status)] = answer
    return answers | {
        int(status): {
            "description": _ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"model": (error_bodies or {}).get(status, ErrorBody)}},
        }
        for status in sorted({*errors, *every_route})
    }
