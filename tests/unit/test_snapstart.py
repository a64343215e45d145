"""What SnapStart asks of the API functions (shared/fastrefund/platform/snapstart.py): nothing made at import that
a restored environment must not share, and the restore hook that makes each environment its own."""

import json
import random
import subprocess
import sys

import pytest

from devtools.catalogue.template import ROOT, Template
from fastrefund.platform import aws_clients, snapstart

API_FUNCTIONS = sorted(
    name for name, function in Template.load().functions.items() if "SnapStart" in function.properties
)

# Imports one handler as Lambda's initialisation would, then reports what the import made
PROBE = """
import json, sys
import botocore.session
made = []
create_client = botocore.session.Session.create_client
def recorded(self, name, *args, **kwargs):
    made.append(name)
    return create_client(self, name, *args, **kwargs)
botocore.session.Session.create_client = recorded
sys.path[:0] = [sys.argv[1], "shared"]
import app
import snapshot_restore_py
hooks = [f"{f.__module__}.{f.__name__}" for f, _, _ in snapshot_restore_py.get_after_restore()]
print(json.dumps({"clients": made, "after_restore": hooks}))
"""


def test_the_api_functions_are_the_ones_with_snapstart():
    assert API_FUNCTIONS == [
        "MerchantsApiFunction",
        "NoticeSubscriptionsApiFunction",
        "OrdersApiFunction",
        "RefundRequestsApiFunction",
        "WorkbenchApiFunction",
    ]


@pytest.mark.parametrize("function", API_FUNCTIONS)
def test_initialising_an_api_function_makes_no_client_and_registers_the_restore_hook(function):
    code = Template.load().functions[function].code_dir
    # As in Lambda: tracing on, LAMBDA_TASK_ROOT set (which tells the X-Ray SDK it runs in Lambda)
    environment = {"AWS_DEFAULT_REGION": "us-east-1", "LAMBDA_TASK_ROOT": str(code), "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(code)], capture_output=True, text=True, cwd=ROOT, env=environment
    )

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["clients"] == []  # no connection to carry into a snapshot
    assert report["after_restore"] == ["fastrefund.platform.snapstart.after_restore"]


def test_environments_restored_from_one_snapshot_draw_different_random_numbers():
    random.seed(2026)
    snapshot = random.getstate()
    drawn = []
    for _ in range(2):  # two environments resumed from the same memory
        random.setstate(snapshot)
        snapstart.after_restore()
        drawn.append([random.randrange(4) for _ in range(16)])  # the usage counters their reservations take

    assert drawn[0] != drawn[1]


def test_a_restored_environment_makes_its_own_clients():
    before = aws_clients.client("dynamodb")

    snapstart.after_restore()

    assert aws_clients.client("dynamodb") is not before
