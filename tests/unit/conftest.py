"""The unit tier runs without the network: a test that would reach AWS (or anything else) fails."""

import aws_xray_sdk.core  # noqa: F401  its recorder makes a UDP socket on import (tracing is off in tests)
import pytest
from pytest_socket import disable_socket, enable_socket


@pytest.fixture(autouse=True)
def _no_sockets():
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()
