"""Fixtures for the atomicity tests: AWS's DynamoDB Local, tables from template.yaml, 8 worker processes."""

import itertools
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import boto3
import pytest

from devtools import resources
from devtools.dynamodb_local import DynamoDBLocal
from devtools.template import Resolver, Template
from tests.concurrency import workers

WORKERS = 8
_test_numbers = itertools.count()


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    with DynamoDBLocal() as engine:
        yield engine


@pytest.fixture
def local_env(dynamodb_local: DynamoDBLocal, tmp_path, monkeypatch) -> dict[str, str]:
    """Fresh tables on DynamoDB Local for one test, and the environment the functions would get."""
    template = Template.load(prefix=f"t{next(_test_numbers)}")
    resolve = Resolver(template)
    client = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_local.endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    resources.create_tables(template, client, resolve)
    rules = tmp_path / "rules.json"
    rules.write_text(template.resources["RulesParameter"]["Properties"]["Value"])
    env = {
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_local.endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "RULES_FILE": str(rules),
        "MERCHANT_NOTICES_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:unused-here",
        **{
            name: resolve.refs[logical_id]
            for name, logical_id in (
                ("ORDERS_TABLE", "OrdersTable"),
                ("MERCHANTS_TABLE", "MerchantsTable"),
                ("REFUNDS_TABLE", "RefundsTable"),
                ("POLICY_USAGE_TABLE", "PolicyUsageTable"),
            )
        },
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RULES_PARAMETER_NAME", raising=False)
    workers.reset()
    return env


@pytest.fixture
def pool(local_env: dict[str, str]) -> Iterator[ProcessPoolExecutor]:
    """8 processes, each a Lambda container of its own with the test's environment."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        WORKERS,
        mp_context=context,
        initializer=workers.start,
        initargs=(dict(os.environ) | {"POWERTOOLS_LOG_LEVEL": "WARNING"},),
    ) as executor:
        # Warm every worker up (imports, clients) so that the real calls start together.
        list(executor.map(workers.warm_up, range(WORKERS * 2)))
        yield executor
