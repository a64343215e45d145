"""Fixtures: the service's resources under moto, created from template.yaml's own properties."""

import os

# Powertools reads these when the shared Logger and Metrics are made, which may be at import time.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "FastRefund")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "fast-refund")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.base import DEFAULT_PROVIDERS
from moto import mock_aws

from devtools import resources
from devtools.template import Resolver, Template
from fastrefund.domain import rulebook
from fastrefund.messaging import publisher
from fastrefund.repositories import dynamo, store
from fastrefund.runtime import config
from tests.support import LOCAL_JWT_SECRET

FUNCTIONS = (
    "AuthorizerFunction",
    "OrdersApiFunction",
    "MerchantsApiFunction",
    "OrderEventsFunction",
    "NotifierFunction",
    "WorkbenchApiFunction",
    "NoticeSubscriptionsApiFunction",
)


@dataclass
class Stack:
    template: Template
    resolve: Resolver
    dynamodb: Any
    sqs: Any
    sns: Any
    ssm: Any

    def table(self, logical_id: str) -> str:
        return self.resolve.refs[logical_id]


def reset_caches() -> None:
    """Clients, config and store are cached per container; each test is a new container."""
    for cached in (config.get_config, store.get_store, dynamo.client, rulebook.parse_rulebook, publisher._sns):
        cached.cache_clear()
    parameters.clear_caches()
    DEFAULT_PROVIDERS.clear()


@pytest.fixture(autouse=True)
def _quiet_powertools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "FastRefund")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "fast-refund")
    reset_caches()


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """Every table, queue, parameter and secret of template.yaml, in moto, and each function's environment."""
    with mock_aws():
        template = Template.load()
        resolve = Resolver(template)
        clients = {name: boto3.client(name) for name in ("dynamodb", "sqs", "sns", "ssm", "secretsmanager")}
        resources.create_tables(template, clients["dynamodb"], resolve)
        resources.create_queues(template, clients["sqs"], resolve)
        resources.create_topics(template, clients["sns"], resolve)
        resources.create_parameters(template, clients["ssm"], resolve)
        resources.create_secrets(template, clients["secretsmanager"], resolve, LOCAL_JWT_SECRET)
        for function in FUNCTIONS:
            for name, value in template.function_environment(function, resolve).items():
                monkeypatch.setenv(name, value)
        reset_caches()
        yield Stack(template, resolve, clients["dynamodb"], clients["sqs"], clients["sns"], clients["ssm"])
