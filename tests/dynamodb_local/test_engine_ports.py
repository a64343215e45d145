"""Two engines starting at once on one machine (xdist workers, the local stack's): a port handed out free can be
bound by another JVM first. An engine that finds its port answered by another process moves to a port of its own,
instead of using another engine's tables (which stop when their owner does)."""

import pytest

from devtools.emulator.dynamodb_local import DynamoDBLocal


def test_an_engine_whose_port_another_took_first_starts_on_its_own(dynamodb_local):
    second = DynamoDBLocal()
    second.port = dynamodb_local.port  # as free_port() may answer while another JVM is about to bind it
    with second:
        assert second.port != dynamodb_local.port
        assert second.process is not None and second.process.poll() is None
        assert dynamodb_local.process is not None and dynamodb_local.process.poll() is None


def test_an_engine_told_its_port_refuses_one_another_holds(dynamodb_local):
    engine = DynamoDBLocal(port=dynamodb_local.port)
    with pytest.raises(RuntimeError, match="another process's"):
        engine.start()
    assert engine.process is not None and engine.process.poll() is not None
