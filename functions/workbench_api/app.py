"""HTTP API of the after-sales workbench (a merchant's refund requests, filtered and paginated), the merchant's
fast-refund statement and its exports, and ops' views: one buyer's requests, and the requests passed to ops at
their deadline."""

from datetime import date
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from fastrefund.domain.clock import Instant, utc_now
from fastrefund.domain.errors import InvalidInput
from fastrefund.domain.models.common import ChinaPeriod, Identifier, Route
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.edge.http_api import (
    BuyerIdPath,
    CurrentCaller,
    ExportIdPath,
    MerchantIdPath,
    accepted,
    create_app,
    documented,
)
from fastrefund.logic import statement, statement_exports
from fastrefund.logic.buyer_refunds import BuyerRefundsPage, list_buyer_refunds
from fastrefund.logic.escalated_refunds import EscalatedRefundsPage, list_escalated_refunds
from fastrefund.logic.statement import Statement
from fastrefund.logic.statement_exports import ExportRun, ExportView
from fastrefund.logic.workbench import WorkbenchPage, WorkbenchQuery, list_refunds
from fastrefund.messaging.publisher import send_report_run
from fastrefund.platform import aws_clients
from fastrefund.platform.config import WorkbenchConfig, settings
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.rules_source import load_rulebook
from fastrefund.repositories.store import get_store

app = create_app()
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=1024, description="next_cursor of the previous page")]


def cursor_key() -> bytes:
    """The key that signs the pages' cursors (the secret is cached for 5 minutes)."""
    return aws_clients.secret_text(settings(WorkbenchConfig).cursor_secret_name).encode()


@app.get(
    "/merchants/<merchant_id>/refunds",
    operation_id="listMerchantRefunds",
    summary="The after-sales workbench: refund requests, newest first, filtered and paginated",
    tags=["merchants"],
    responses=documented({HTTPStatus.OK: ("a page of refund requests", WorkbenchPage)}, HTTPStatus.FORBIDDEN),
)
def get_refunds(
    merchant_id: MerchantIdPath,
    caller: CurrentCaller,
    route: Annotated[Route | None, Query()] = None,
    status: Annotated[RefundStatus | None, Query()] = None,
    since: Annotated[Instant | None, Query(alias="from", description="decided at or after")] = None,
    until: Annotated[Instant | None, Query(alias="to", description="decided at or before")] = None,
    policy_rule_id: Annotated[
        Identifier | None, Query(description="decided by this rule of the merchant's policy")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> WorkbenchPage:
    logger.append_keys(merchant_id=merchant_id)
    query = WorkbenchQuery(
        route=route,
        status=status,
        since=since,
        until=until,
        policy_rule_id=policy_rule_id,
        limit=limit,
        cursor=cursor,
    )
    return list_refunds(merchant_id, query, caller, get_store(), cursor_key())


@app.get(
    "/merchants/<merchant_id>/fast-refund-statement",
    operation_id="getFastRefundStatement",
    summary="What fast refunds cost the merchant, China day by China day (at most 93 days)",
    tags=["merchants"],
    responses=documented({HTTPStatus.OK: ("the statement", Statement)}, HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND),
)
def get_statement(
    merchant_id: MerchantIdPath,
    caller: CurrentCaller,
    first_day: Annotated[date, Query(alias="from", description="the first China day (inclusive)")],
    last_day: Annotated[date, Query(alias="to", description="the last China day (inclusive)")],
) -> Statement:
    logger.append_keys(merchant_id=merchant_id)
    try:
        query = ChinaPeriod(first_day=first_day, last_day=last_day)
    except ValidationError as exc:
        raise InvalidInput(exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, "), "query.to") from exc
    return statement.get_statement(merchant_id, query, caller, get_store())


@app.post(
    "/merchants/<merchant_id>/fast-refund-statement/exports",
    operation_id="startStatementExport",
    summary="The period's refunds as a CSV file, made in the background: GET its Location for the file's URL",
    tags=["merchants"],
    responses=documented(
        {HTTPStatus.ACCEPTED: ("the export, RUNNING", ExportView)},
        HTTPStatus.FORBIDDEN,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
)
def post_export(merchant_id: MerchantIdPath, period: ChinaPeriod, caller: CurrentCaller) -> Response[ExportView]:
    logger.append_keys(merchant_id=merchant_id)
    now, store = utc_now(), get_store()
    export = statement_exports.start_export(merchant_id, period, caller, store, now)
    send_report_run(ExportRun(merchant_id=merchant_id, export_id=export.export_id))
    location = f"/merchants/{merchant_id}/fast-refund-statement/exports/{export.export_id}"
    return accepted(ExportView.of(export, store.export_files, now), location)


@app.get(
    "/merchants/<merchant_id>/fast-refund-statement/exports/<export_id>",
    operation_id="getStatementExport",
    summary="A statement export: RUNNING, then READY with a URL that fetches its CSV file for 15 minutes",
    tags=["merchants"],
    responses=documented({HTTPStatus.OK: ("the export", ExportView)}, HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND),
)
def get_export(merchant_id: MerchantIdPath, export_id: ExportIdPath, caller: CurrentCaller) -> ExportView:
    logger.append_keys(merchant_id=merchant_id, export_id=export_id)
    store = get_store()
    return statement_exports.get_export(merchant_id, export_id, caller, store, store.export_files, utc_now())


@app.get(
    "/buyers/<buyer_id>/refund-requests",
    operation_id="listBuyerRefunds",
    summary="Ops: one buyer's refund requests, newest first, with its window usage and risk flag",
    tags=["buyers"],
    responses=documented({HTTPStatus.OK: ("a page of the buyer's requests", BuyerRefundsPage)}, HTTPStatus.FORBIDDEN),
)
def get_buyer_refunds(
    buyer_id: BuyerIdPath,
    caller: CurrentCaller,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> BuyerRefundsPage:
    logger.append_keys(buyer_id=buyer_id)
    return list_buyer_refunds(buyer_id, limit, cursor, caller, get_store(), cursor_key, load_rulebook, utc_now())


@app.get(
    "/escalated-refund-requests",
    operation_id="listEscalatedRefunds",
    summary="Ops: requests held for a buyer's flag or limit whose review deadline passed, oldest first",
    tags=["buyers"],
    responses=documented(
        {HTTPStatus.OK: ("a page of the requests waiting for ops", EscalatedRefundsPage)}, HTTPStatus.FORBIDDEN
    ),
)
def get_escalated_refunds(caller: CurrentCaller, limit: Limit = 50, cursor: Cursor = None) -> EscalatedRefundsPage:
    return list_escalated_refunds(limit, cursor, caller, get_store(), cursor_key)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
