"""Fixtures: the service's resources under moto, created from template.yaml's own properties."""

import os

# Powertools reads these when the shared Logger and Metrics are made, which may be at import time.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "FastRefund")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "fast-refund")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from moto import mock_aws

from devtools.catalogue.template import Resolver, Template
from devtools.emulator import local_identity, resources
from devtools.invoking import least_privilege
from fastrefund.domain import rulebook
from fastrefund.platform import aws_clients, config
from fastrefund.repositories import rules_source, store
from tests.support import any_stack


class _SearchPaths(list):
    """A loader's search paths, each once: every boto3 session adds its own data folder to its loader's."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


@functools.cache
def _shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    loader = botocore.loaders.create_loader(search_path_string)
    loader._search_paths = _SearchPaths(loader.search_paths)
    return loader


# Each test is a new Lambda container, so it makes new boto3 sessions, and botocore gives each session a loader of its
# own that looks up and parses the same service models again: about half of an integration test's time. One loader
# per process serves every session (the models are files that do not change); the code under test is unchanged.
botocore.session.create_loader = _shared_loader


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
    aws_clients.reset()
    for cached in (config.settings, store.get_store, rulebook.parse_rulebook):
        cached.cache_clear()
    rules_source.forget()


@pytest.fixture(autouse=True)
def _least_privilege() -> Iterator[None]:
    """Every AWS call a function makes in any test is checked against its policies in template.yaml: a call its
    role would not allow is refused (AccessDenied) and fails the test that made it, whatever the handler did
    with the refusal."""
    checker = least_privilege.install(any_stack())
    refused_before = len(checker.refused)
    yield
    refused = checker.refused[refused_before:]
    assert not refused, f"calls the template's policies do not allow (function, action, resource): {refused}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many distinct (function, action, resource) triples the check allowed, where the tests ran in this
    process (under pytest-xdist they run in the workers, and the count is theirs: nothing is said here)."""
    checker = least_privilege.install(any_stack())
    if checker.verified:
        terminalreporter.write_line(
            f"least privilege: {len(checker.verified)} (function, action, resource) triples verified in this process"
        )


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
        clients = {name: boto3.client(name) for name in ("dynamodb", "sqs", "sns", "ssm", "secretsmanager", "s3")}
        resolve = resources.create_all(template, clients.__getitem__, local_identity.local_secret())
        for name, value in resources.function_environment(template, resolve).items():
            monkeypatch.setenv(name, value)
        reset_caches()
        yield Stack(template, resolve, clients["dynamodb"], clients["sqs"], clients["sns"], clients["ssm"])
