"""Fixtures for the tests on AWS's DynamoDB Local: tables (with streams) from template.yaml, 8 worker processes."""

import itertools
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from devtools.catalogue.template import Resolver, Template
from devtools.emulator import resources
from devtools.emulator.dynamodb_local import DynamoDBLocal
from tests.dynamodb_local import workers
from tests.dynamodb_local.publishing import topics_with_queues

WORKERS = 8
WIDE_WORKERS = 16
_test_numbers = itertools.count()


@dataclass
class LocalTables:
    template: Template
    resolve: Resolver
    endpoint: str

    def client(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    with DynamoDBLocal() as engine:
        yield engine


@pytest.fixture
def local_tables(dynamodb_local: DynamoDBLocal, tmp_path, monkeypatch) -> LocalTables:
    """Fresh tables on DynamoDB Local for one test, and the environment the functions would get."""
    template = Template.load(prefix=f"t{next(_test_numbers)}")
    tables = LocalTables(template, Resolver(template), dynamodb_local.endpoint)
    resources.create_tables(template, tables.client("dynamodb"), tables.resolve)
    rules = tmp_path / "rules.json"
    rules.write_text(template.resources["RulesParameter"]["Properties"]["Value"])
    # Only the tables exist here: the other resources keep their names, unmade (a test that publishes
    # makes its own topic), and the rules come from a file.
    resources.name_the_rest(template, tables.resolve)
    environment = {
        **resources.function_environment(template, tables.resolve),
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_local.endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "RULES_FILE": str(rules),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RULES_PARAMETER_NAME", raising=False)
    workers.reset()
    return tables


def _processes(count: int) -> Iterator[tuple[ProcessPoolExecutor, Any]]:
    """`count` processes (each test's calls bring its stack's environment), and a manager whose barriers start a
    round's calls together."""
    context = multiprocessing.get_context("spawn")
    with (
        context.Manager() as manager,
        ProcessPoolExecutor(count, mp_context=context, initializer=workers.start, initargs=(dict(os.environ),)) as pool,
    ):
        yield pool, manager


@pytest.fixture(scope="session")
def _worker_processes() -> Iterator[tuple[ProcessPoolExecutor, Any]]:
    """8 processes for the whole session."""
    yield from _processes(WORKERS)


@pytest.fixture(scope="session")
def _wide_worker_processes() -> Iterator[tuple[ProcessPoolExecutor, Any]]:
    """16 processes, started only for the soak rounds that race 16 calls at once."""
    yield from _processes(WIDE_WORKERS)


@dataclass
class Racers:
    """The worker processes, each a Lambda container of its own, as one test uses them."""

    executor: ProcessPoolExecutor
    manager: Any
    size: int  # how many processes: the most calls a round can race

    def race(self, *calls: tuple[Any, ...]) -> list[workers.Timed]:
        """Each call (a function of workers.py and its arguments) in a worker of its own, all released at once by
        one barrier: their answers, each with when it started and ended."""
        assert len(calls) <= self.size, "a round is at most one call a worker: the barrier waits for every call"
        environment = dict(os.environ) | {"POWERTOOLS_LOG_LEVEL": "WARNING"}
        barrier = self.manager.Barrier(len(calls))
        futures = [self.executor.submit(workers.at_once, environment, barrier, *call) for call in calls]
        return [future.result() for future in futures]


@pytest.fixture
def pool(local_tables: LocalTables, _worker_processes: tuple[ProcessPoolExecutor, Any]) -> Racers:
    return Racers(*_worker_processes, WORKERS)


@pytest.fixture
def wide_pool(local_tables: LocalTables, _wide_worker_processes: tuple[ProcessPoolExecutor, Any]) -> Racers:
    return Racers(*_wide_worker_processes, WIDE_WORKERS)


@pytest.fixture
def notices_topic(local_tables: LocalTables, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    """SNS and SQS on moto's server: (sqs client, each merchant's notice queue, each merchant's payout queue)."""
    yield from topics_with_queues(local_tables, monkeypatch)
