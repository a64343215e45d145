"""The contract suite: every case runs twice, against the in-memory fakes of tests/unit/fakes.py and against the
DynamoDB repositories on AWS's DynamoDB Local, so that a fake that drifts from its repository fails here."""

from collections.abc import Iterator

import pytest

from fastrefund.logic.ports import Store
from fastrefund.repositories.store import get_store
from tests.dynamodb_local.conftest import dynamodb_local, local_tables  # noqa: F401  the tables, from template.yaml
from tests.unit.fakes import InMemoryStore


@pytest.fixture(params=["fakes", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "fakes":
        yield InMemoryStore()
    else:
        request.getfixturevalue("local_tables")
        yield get_store()
