"""A merchant's reports, made in the background from its history (domain/models/reports.py): a policy trial (the
stored decisions of the period decided again under a candidate policy, logic/policy_trials.py) or a statement export
(the period's refunds written as a CSV file, logic/statement_exports.py). A message delivered twice finds its report
finished and does nothing; a run that fails is delivered again until the queue lets it go, and the report then
reads FAILED."""

from typing import Annotated, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field, TypeAdapter

from fastrefund.domain.clock import utc_now
from fastrefund.logic.policy_trials import TrialRun, run_trial
from fastrefund.logic.statement_exports import ExportRun, run_export
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store

REPORT_RUNS: TypeAdapter[TrialRun | ExportRun] = TypeAdapter(
    Annotated[TrialRun | ExportRun, Field(discriminator="kind")]
)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    finished = 0
    store = get_store()
    for record in SQSEvent(event).records:  # the queue hands out one report at a time
        run = REPORT_RUNS.validate_json(record.body)
        logger.append_keys(merchant_id=run.merchant_id, kind=run.kind)
        started = utc_now()
        if isinstance(run, TrialRun):
            trial = run_trial(run, store, started)
            size = trial.result.decisions if trial and trial.result else None
        else:
            export = run_export(run, store, store.export_files, started)
            size = export.rows if export else None
        if size is None:
            logger.info("report not made: unknown, or finished already")
            continue
        seconds = (utc_now() - started).total_seconds()
        metrics.add_metric(name="MerchantReportSeconds", unit=MetricUnit.Seconds, value=seconds)
        logger.info("report finished", extra={"refunds": size, "seconds": round(seconds, 1)})
        finished += 1
    return {"finished": finished}
