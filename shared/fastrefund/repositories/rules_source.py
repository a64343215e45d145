"""Where the rule book comes from: the SSM parameter named by RULES_PARAMETER_NAME (cached for a few
minutes) when deployed; locally a file named by RULES_FILE replaces it.

A bad push cannot break the service: a container keeps deciding with the last valid document it read when a
newer one does not validate (or is not UTF-8 text), and says so once per rejected document (an ERROR naming each
fault, and the metric RulesDocumentRejected, alarmed). Nor can the source's trouble (SSM throttled or out of
reach, the file missing): the last valid document stays in force, and the source is asked again only after
SOURCE_RETRY_SECONDS, so that a throttled SSM is not asked by every request. A container that never read a valid
document answers RulesUnavailable (503, with Retry-After).
"""

import functools
import time
from pathlib import Path
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError
from pydantic import ValidationError

from fastrefund.domain.errors import RulesUnavailable, TemporarilyUnavailable, field_issues
from fastrefund.domain.rulebook import RuleBook, parse_rulebook
from fastrefund.platform import aws_clients
from fastrefund.platform.config import Config, settings
from fastrefund.platform.observability import logger, metrics

RULES_CACHE_SECONDS = 300
SOURCE_RETRY_SECONDS = 10

_last_good: RuleBook | None = None
_told: set[str] = set()  # the rejected documents this container has told of: once each, not every request
_source_resting_until = 0.0  # after the source failed: the last good document answers until then


def load_rulebook() -> RuleBook:
    """The rules in force: the current document's, or the last valid one's while the current is invalid or the
    source cannot be read."""
    global _last_good, _source_resting_until
    if _last_good is not None and time.monotonic() < _source_resting_until:
        return _last_good
    try:
        document = _current_document()
        _last_good = parse_rulebook(document)
    except (GetParameterError, ClientError, OSError, TemporarilyUnavailable) as unreachable:
        _source_resting_until = time.monotonic() + SOURCE_RETRY_SECONDS
        logger.warning("rules source unreachable: the last valid document stays", extra={"error": str(unreachable)})
        return _in_force("the rules cannot be read now", unreachable)
    except UnicodeDecodeError as undecodable:
        fault = f"not UTF-8 text at byte {undecodable.start}"
        _tell_rejected(fault, [fault])
        return _in_force("no valid rules document", undecodable)
    except ValidationError as invalid:
        _tell_rejected(document, field_issues(invalid.errors(include_url=False, include_input=False)))
        return _in_force("no valid rules document", invalid)
    return _last_good


def _in_force(why: str, cause: Exception) -> RuleBook:
    """The last valid document, when the current one cannot be used; RulesUnavailable when none was ever read."""
    if _last_good is None:
        raise RulesUnavailable(f"{why}: refunds cannot be decided; retry later") from cause
    return _last_good


def _tell_rejected(document: str, faults: list[Any]) -> None:
    """An ERROR naming the faults, and the metric, once per rejected document, not at every request."""
    if document not in _told:
        _told.add(document)
        logger.error("rules document rejected: the last valid one stays in force", extra={"faults": faults})
        metrics.add_metric(name="RulesDocumentRejected", unit=MetricUnit.Count, value=1)


def forget() -> None:
    """As a new container: no rules read yet (for tests and tools that play several containers)."""
    global _last_good, _source_resting_until
    _last_good, _source_resting_until = None, 0.0
    _told.clear()


def _current_document() -> str:
    config = settings(Config)
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
