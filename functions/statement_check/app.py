"""Once a China day has ended (the hourly run in the first hour of the next): the merchants' statements of it checked
against a recount of the stored refunds; the recount taken where they disagree, and the day marked final
(logic/statement_check.py). A run asked about a day names it: {"day": "2026-11-26"}."""

from datetime import date, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.clock import CHINA_TZ, china_day, utc_now
from fastrefund.logic.statement_check import check_day
from fastrefund.platform.observability import logger, metrics, tracer
from fastrefund.repositories.store import get_store


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    now = utc_now()
    if event.get("day"):
        day = date.fromisoformat(event["day"])
    elif now.astimezone(CHINA_TZ).hour == 0:
        day = china_day(now) - timedelta(days=1)
    else:  # the day just ended was checked in this day's first hour
        return {"merchants": 0, "disagreeing": 0}
    checked = check_day(day, get_store(), now)
    metrics.add_metric(name="StatementDaysChecked", unit=MetricUnit.Count, value=checked.merchants)
    metrics.add_metric(name="StatementDaysDisagreeing", unit=MetricUnit.Count, value=checked.disagreeing)
    logger.info("statements checked against a recount", extra={"day": day.isoformat(), **checked.__dict__})
    return {"merchants": checked.merchants, "disagreeing": checked.disagreeing}
