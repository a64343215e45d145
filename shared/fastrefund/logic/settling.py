"""Read, decide, write, and again when the write lost a race: the loop every conditional change runs."""

import random
import time
from collections.abc import Callable
from typing import TypeVar

from fastrefund.domain.errors import RaceLost, TemporarilyUnavailable, WriteConflict
from fastrefund.platform.observability import logger

COMMIT_ATTEMPTS = 4  # a write cancelled by a concurrent one is decided again from a fresh read
T = TypeVar("T")


def settle(step: Callable[[], T], what: str) -> T:
    """Run `step` (which reads, decides and writes conditionally) until its write is not cancelled.

    Something may change between a step's read and its write (another request, a shipment, a decision,
    the day's usage, the merchant's policy, another transaction): the step is then run again, and answers
    from what is stored now, which returns the change that won or names every reason truthfully.
    """
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            return step()
        except RaceLost as raced:
            logger.info(f"{what} raced a change; deciding again", extra={"why": type(raced).__name__})
            if isinstance(raced, WriteConflict):
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # let the other transaction finish
    raise TemporarilyUnavailable("the order is busy; retry shortly")
