"""Where the rule book comes from: the SSM parameter named by RULES_PARAMETER_NAME (cached for a few
minutes) when deployed; locally a file named by RULES_FILE replaces it.

A bad push cannot break the service: a container keeps deciding with the last valid document it read when a
newer one does not validate, and says so once per rejected document (an ERROR naming each fault, and the
metric RulesDocumentRejected, alarmed). A container that never read a valid one answers RulesUnavailable.
"""

import functools
import time
from pathlib import Path

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from fastrefund.domain.errors import RulesUnavailable, field_issues
from fastrefund.domain.rulebook import RuleBook, parse_rulebook
from fastrefund.platform import aws_clients
from fastrefund.platform.config import get_config
from fastrefund.platform.observability import logger, metrics

RULES_CACHE_SECONDS = 300

_last_good: RuleBook | None = None
_told: set[str] = set()  # the rejected documents this container has told of: once each, not every request


def load_rulebook() -> RuleBook:
    """The rules in force: the current document's, or the last valid one's while the current is invalid."""
    global _last_good
    document = _current_document()
    try:
        _last_good = parse_rulebook(document)
    except ValidationError as invalid:
        if document not in _told:
            _told.add(document)
            faults = field_issues(invalid.errors(include_url=False, include_input=False))
            logger.error("rules document rejected: the last valid one stays in force", extra={"faults": faults})
            metrics.add_metric(name="RulesDocumentRejected", unit=MetricUnit.Count, value=1)
        if _last_good is None:
            raise RulesUnavailable("no valid rules document: refunds cannot be decided; retry later") from invalid
    return _last_good


def forget() -> None:
    """As a new container: no rules read yet (for tests and tools that play several containers)."""
    global _last_good
    _last_good = None
    _told.clear()


def _current_document() -> str:
    config = get_config()
    if config.rules_file:
        return _rules_file(config.rules_file, int(time.monotonic()))
    assert config.rules_parameter_name is not None  # Config requires the one or the other
    document = aws_clients.ssm_parameters().get(config.rules_parameter_name, max_age=RULES_CACHE_SECONDS)
    if not isinstance(document, str):
        raise TypeError(f"parameter {config.rules_parameter_name} is not a String parameter")
    return document


@functools.lru_cache(maxsize=4)
def _rules_file(path: str, second: int) -> str:
    # Every request asks for the rules: the file is read once a second at most (a change shows within one),
    # as the parameter is read from SSM's cache.
    return Path(path).read_text(encoding="utf-8")
