"""Where the rule book comes from: the SSM parameter named by RULES_PARAMETER_NAME (cached for a few
minutes) when deployed; locally a file named by RULES_FILE replaces it."""

from pathlib import Path

from fastrefund.domain.rulebook import RuleBook, parse_rulebook
from fastrefund.runtime import aws_clients
from fastrefund.runtime.config import get_config

RULES_CACHE_SECONDS = 300


def load_rulebook() -> RuleBook:
    config = get_config()
    if config.rules_file:
        return parse_rulebook(Path(config.rules_file).read_text(encoding="utf-8"))
    assert config.rules_parameter_name is not None  # Config requires the one or the other
    document = aws_clients.ssm_parameters().get(config.rules_parameter_name, max_age=RULES_CACHE_SECONDS)
    if not isinstance(document, str):
        raise TypeError(f"parameter {config.rules_parameter_name} is not a String parameter")
    return parse_rulebook(document)
