"""HTTP API on one merchant: settings, fast refund enrolment, auto-refund policy and its trials, pre-shipment
checks."""

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.clock import utc_now
from fastrefund.domain.models.merchant import AutoRefundPolicy
from fastrefund.edge.http_api import CurrentCaller, MerchantIdPath, TrialIdPath, accepted, create_app, documented
from fastrefund.logic import merchant_settings, policy_trials
from fastrefund.logic.merchant_settings import FastRefundServiceChange, SettingsView
from fastrefund.logic.policy_trials import TrialRequest, TrialRun, TrialView
from fastrefund.logic.refund_checks import RefundCheckRequest, RefundChecks, check_refunds
from fastrefund.messaging.publisher import send_report_run
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store

app = create_app()


@app.get(
    "/merchants/<merchant_id>/settings",
    operation_id="getMerchantSettings",
    summary="Enrolment, policy and today's usage",
    tags=["merchants"],
    responses=documented({HTTPStatus.OK: ("the merchant's settings", SettingsView)}, HTTPStatus.FORBIDDEN),
)
def get_settings(merchant_id: MerchantIdPath, caller: CurrentCaller) -> SettingsView:
    logger.append_keys(merchant_id=merchant_id)
    return merchant_settings.get_settings(merchant_id, caller, get_store(), utc_now())


@app.put(
    "/merchants/<merchant_id>/fast-refund-service",
    operation_id="setFastRefundService",
    summary="Join or leave the fast refund service",
    tags=["merchants"],
    responses=documented(
        {HTTPStatus.OK: ("the settings, changed", SettingsView)},
        HTTPStatus.FORBIDDEN,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
)
def put_fast_refund_service(
    merchant_id: MerchantIdPath, change: FastRefundServiceChange, caller: CurrentCaller
) -> SettingsView:
    logger.append_keys(merchant_id=merchant_id)
    view = merchant_settings.set_fast_refund_service(merchant_id, change, caller, get_store(), utc_now())
    metrics.add_metric(name="FastRefundServiceChanged", unit=MetricUnit.Count, value=1)
    return view


@app.put(
    "/merchants/<merchant_id>/auto-refund-policy",
    operation_id="setAutoRefundPolicy",
    summary='Set the "before shipment - refund only - auto approve" policy',
    tags=["merchants"],
    responses=documented(
        {HTTPStatus.OK: ("the settings, changed", SettingsView)},
        HTTPStatus.FORBIDDEN,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
)
def put_auto_refund_policy(
    merchant_id: MerchantIdPath, policy: AutoRefundPolicy, caller: CurrentCaller
) -> SettingsView:
    logger.append_keys(merchant_id=merchant_id)
    view = merchant_settings.set_auto_refund_policy(merchant_id, policy, caller, get_store(), utc_now())
    metrics.add_metric(name="AutoRefundPolicyChanged", unit=MetricUnit.Count, value=1)
    return view


@app.post(
    "/merchants/<merchant_id>/auto-refund-policy/trials",
    operation_id="startPolicyTrial",
    summary="Try a candidate policy on the merchant's own decisions of a period, in the background",
    tags=["merchants"],
    responses=documented(
        {HTTPStatus.ACCEPTED: ("the trial, RUNNING: GET its Location for the result", TrialView)},
        HTTPStatus.FORBIDDEN,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
)
def post_policy_trial(merchant_id: MerchantIdPath, request: TrialRequest, caller: CurrentCaller) -> Response[TrialView]:
    logger.append_keys(merchant_id=merchant_id)
    now = utc_now()
    trial = policy_trials.start_trial(merchant_id, request, caller, get_store(), now)
    send_report_run(TrialRun(merchant_id=merchant_id, trial_id=trial.trial_id))
    metrics.add_metric(name="PolicyTrialsStarted", unit=MetricUnit.Count, value=1)
    return accepted(TrialView.of(trial, now), f"/merchants/{merchant_id}/auto-refund-policy/trials/{trial.trial_id}")


@app.get(
    "/merchants/<merchant_id>/auto-refund-policy/trials/<trial_id>",
    operation_id="getPolicyTrial",
    summary="A policy trial: RUNNING, then READY with what the candidate would have decided",
    tags=["merchants"],
    responses=documented({HTTPStatus.OK: ("the trial", TrialView)}, HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND),
)
def get_policy_trial(merchant_id: MerchantIdPath, trial_id: TrialIdPath, caller: CurrentCaller) -> TrialView:
    logger.append_keys(merchant_id=merchant_id, trial_id=trial_id)
    return policy_trials.get_trial(merchant_id, trial_id, caller, get_store(), utc_now())


@app.post(
    "/merchants/<merchant_id>/refund-checks",
    operation_id="checkOrdersBeforeShipping",
    summary="Pre-shipment check: which of up to 100 orders are refunded",
    tags=["merchants"],
    responses=documented(
        {HTTPStatus.OK: ("each order, refunded or not", RefundChecks)},
        HTTPStatus.FORBIDDEN,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
)
def post_refund_checks(merchant_id: MerchantIdPath, request: RefundCheckRequest, caller: CurrentCaller) -> RefundChecks:
    logger.append_keys(merchant_id=merchant_id)
    checks = check_refunds(merchant_id, request, caller, get_store())
    metrics.add_metric(name="OrdersChecked", unit=MetricUnit.Count, value=len(request.order_ids))
    return checks


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
