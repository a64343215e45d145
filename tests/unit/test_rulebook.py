"""The rule configuration: the deployed default is docs/rules.md's table; a malformed one fails loudly."""

import json

import pytest
from pydantic import ValidationError

from devtools.factories import default_rulebook
from fastrefund.domain import rulebook
from fastrefund.platform import config
from fastrefund.repositories import rules_source


@pytest.fixture
def table_environment(monkeypatch):
    for name in (
        "ORDERS_TABLE",
        "MERCHANTS_TABLE",
        "REFUNDS_TABLE",
        "POLICY_USAGE_TABLE",
        "BUYERS_TABLE",
        "STATEMENT_TABLE",
        "EXPORTS_BUCKET",
        "MERCHANT_NOTICES_TOPIC_ARN",
    ):
        monkeypatch.setenv(name, "t")


def test_the_default_configuration_is_the_table_in_the_rules():
    versions = {v.version: v for v in default_rulebook().versions}

    assert versions["legacy-6h"].effective_from is None
    assert versions["legacy-6h"].refund_window_hours == 6
    assert str(versions["2023-09-13"].effective_from) == "2023-09-13"
    assert versions["2023-09-13"].refund_window_hours is None
    assert {v.paid_amount_below_fen for v in versions.values()} == {30000}


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ("{not json", "Invalid JSON"),
        ('{"versions": []}', "at least 1 item"),
        (
            '{"versions": [{"version": "a", "effective_from": null, "paid_amount_below_fen": -5}]}',
            "greater than 0",
        ),
        (
            '{"versions": [{"version": "a", "effective_from": "2023-01-01", "paid_amount_below_fen": 1}]}',
            "exactly one version",
        ),
        (
            '{"versions": [{"version": "a", "effective_from": null, "paid_amount_below_fen": 1, "colour": "red"}]}',
            "Extra inputs are not permitted",
        ),
        (
            '{"versions": [{"version": "a", "effective_from": null, "paid_amount_below_fen": 1,'
            ' "excluded_product_types": ["FURNITURE"]}]}',
            "excluded_product_types",
        ),
    ],
)
def test_a_malformed_configuration_fails_at_load(document, complaint):
    with pytest.raises(ValidationError, match=complaint):
        rulebook.parse_rulebook(document)


def test_a_local_file_replaces_the_parameter(tmp_path, monkeypatch, table_environment):
    # Given a rules file with a 100-yuan limit
    rules = {"versions": [{"version": "local", "effective_from": None, "paid_amount_below_fen": 10000}]}
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules))
    monkeypatch.setenv("RULES_FILE", str(path))
    config.settings.cache_clear()

    # Then it is the configuration the functions use
    assert rules_source.load_rulebook().versions[0].paid_amount_below_fen == 10000


def test_a_function_without_a_rules_source_refuses_to_start(monkeypatch, table_environment):
    monkeypatch.delenv("RULES_FILE", raising=False)
    monkeypatch.delenv("RULES_PARAMETER_NAME", raising=False)
    config.settings.cache_clear()

    with pytest.raises(ValidationError, match="RULES_PARAMETER_NAME"):
        config.settings(config.Config)
