"""The unit tier runs without the network: a test that would reach AWS (or anything else) fails; and a race
settled again (logic/settling.py) goes on at once, without the back-off a real conflict waits for."""

import aws_xray_sdk.core  # noqa: F401  its recorder makes a UDP socket on import (tracing is off in tests)
import pytest
from pytest_socket import disable_socket, enable_socket

from fastrefund.logic import settling


@pytest.fixture(autouse=True)
def _no_sockets():
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settling.time, "sleep", lambda _: None)
