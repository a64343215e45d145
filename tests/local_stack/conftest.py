"""The local stack, started for one test and killed after it."""

from collections.abc import Iterator

import pytest

from devtools.emulator.local_stack_process import RunningStack, start_stack, wait_until_answering


@pytest.fixture
def local_stack(tmp_path) -> Iterator[RunningStack]:
    process = start_stack(tmp_path)
    stack = wait_until_answering(process, tmp_path)
    yield stack
    if process.poll() is None:
        stack.stop()  # as Ctrl-C does: a killed stack would leave DynamoDB Local's JVM behind
