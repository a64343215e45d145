"""Lambda SnapStart for the API functions (on in prod: template.yaml's `SnapStart`).

With SnapStart, a function version's initialisation (the imports, module-level objects) runs once, when the
version is published; every execution environment then resumes from a snapshot of that memory. What is made
at import is therefore shared by every environment, and may be restored minutes or days after it was made.
What the service makes at import, checked against that:

- AWS clients and their connections: none is made at import (each is made on first use, aws_clients.client);
  after a restore any made before are dropped all the same, so every connection is opened by the environment
  that uses it (tests/unit/test_snapstart.py imports every API handler and finds no client made).
- Time: nothing time-bound is made at import. The rules document, whose cache counts its age from when it
  was read, is read by the first request; the secrets likewise.
- Uniqueness: refund, payout and correlation ids are made per request (uuid4: the OS's randomness). Python's
  `random` (which usage counter a reservation takes, the retries' jitter) would resume in every environment
  from the same state, so that they all picked the same counters in the same order: it is reseeded after a
  restore from the OS.

The hooks are AWS's Snapshot Restore for Python (included in the managed Python runtimes, and shipped in the
layer so that the service never depends on the runtime's copy); they do nothing where SnapStart is off.
"""

import random

from snapshot_restore_py import register_after_restore

from fastrefund.platform import aws_clients


def after_restore() -> None:
    random.seed()  # from the OS's randomness: each restored environment its own sequence
    aws_clients.reset()  # no connection made before the snapshot is used after it


register_after_restore(after_restore)
