"""A policy trial's run, in the background: the merchant's stored decisions of the period decided again under the
candidate policy, and the result kept with the trial (logic/policy_trials.py). A message delivered twice finds
the trial finished and does nothing; a run that fails is delivered again until the queue lets it go, and the trial
then reads FAILED."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.clock import utc_now
from fastrefund.logic.policy_trials import TrialRun, run_trial
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    finished = 0
    for record in SQSEvent(event).records:  # the queue hands out one trial at a time
        run = TrialRun.model_validate_json(record.body)
        logger.append_keys(merchant_id=run.merchant_id, trial_id=run.trial_id)
        started = utc_now()
        trial = run_trial(run, get_store(), started)
        if trial is None:
            logger.info("policy trial not run: unknown, or finished already")
            continue
        assert trial.result is not None
        seconds = (utc_now() - started).total_seconds()
        metrics.add_metric(name="PolicyTrialSeconds", unit=MetricUnit.Seconds, value=seconds)
        logger.info("policy trial finished", extra={"decisions": trial.result.decisions, "seconds": round(seconds, 1)})
        finished += 1
    return {"finished": finished}
