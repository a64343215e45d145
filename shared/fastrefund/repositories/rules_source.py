"""Where the rule book comes from: the SSM parameter named by RULES_PARAMETER_NAME (cached for a few
minutes) when deployed; locally a file named by RULES_FILE replaces it."""

import functools
import time
from pathlib import Path

from fastrefund.domain.rulebook import RuleBook, parse_rulebook
from fastrefund.platform import aws_clients
from fastrefund.platform.config import get_config

RULES_CACHE_SECONDS = 300


def load_rulebook() -> RuleBook:
    config = get_config()
    if config.rules_file:
        return _rules_file(config.rules_file, int(time.monotonic()))
    assert config.rules_parameter_name is not None  # Config requires the one or the other
    document = aws_clients.ssm_parameters().get(config.rules_parameter_name, max_age=RULES_CACHE_SECONDS)
    if not isinstance(document, str):
        raise TypeError(f"parameter {config.rules_parameter_name} is not a String parameter")
    return parse_rulebook(document)


@functools.lru_cache(maxsize=4)
def _rules_file(path: str, second: int) -> RuleBook:
    # Every request asks for the rules: the file is read once a second at most (a change shows within one),
    # as the parameter is read from SSM's cache.
    return parse_rulebook(Path(path).read_text(encoding="utf-8"))
