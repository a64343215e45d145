"""Partial batch processing for queue and stream consumers, with each failed record logged."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor
from aws_lambda_powertools.utilities.batch.base import FailureResponse
from aws_lambda_powertools.utilities.batch.exceptions import ExceptionInfo
from pydantic import ValidationError

from fastrefund.domain.errors import field_issues
from fastrefund.platform.observability import logger


class LoggedBatchProcessor(BatchProcessor):
    """Reports failed records for redelivery, and tells operators why each one failed."""

    def failure_handler(self, record: Any, exception: ExceptionInfo) -> FailureResponse:
        _, error, _ = exception
        why: Any = str(error)
        if isinstance(error, ValidationError):
            why = field_issues(error.errors(include_url=False, include_input=False))
        logger.warning("record not processed", extra={"error": type(error).__name__, "why": why})
        return super().failure_handler(record, exception)
