"""`make check-rules`: the container's validation before a push; exit 0 with a summary, or 1 naming each fault."""

import json
import subprocess
import sys

import pytest

from devtools.catalogue.template import ROOT, Template

VALID = json.loads(Template.load().resources["RulesParameter"]["Properties"]["Value"])
LEGACY, CURRENT = VALID["versions"]


def check(tmp_path, document: object) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "rules.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return subprocess.run(
        [sys.executable, "-m", "scripts.check_rules", str(path)], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_the_deployed_document_is_valid_and_summed_up(tmp_path):
    checked = check(tmp_path, VALID)

    assert checked.returncode == 0
    assert checked.stdout.startswith("valid: 2 versions (legacy-6h from the start: below 30000 fen, window 6 h;")


@pytest.mark.parametrize(
    ("document", "named"),
    [
        (VALID | {"versions": [LEGACY, CURRENT | {"paid_amount_below_fen": 30000, "limit": 1}]}, "versions.1.limit"),
        (VALID | {"versions": [CURRENT]}, "the earliest, must have effective_from null"),
        (VALID | {"versions": [CURRENT, LEGACY]}, "effective_from order"),
        (VALID | {"versions": [LEGACY, CURRENT | {"refund_window_hours": 0}]}, "versions.1.refund_window_hours"),
        (VALID | {"review_timeout_seconds": 0}, "review_timeout_seconds"),
        (VALID | {"versions": [LEGACY, CURRENT | {"excluded_product_types": ["FOOD"]}]}, "excluded_product_types"),
        ('{"versions": ', "(document)"),
    ],
    ids=[
        "unknown field",
        "no open-ended version",
        "unordered dates",
        "window zero",
        "timeout zero",
        "product type",
        "not JSON",
    ],
)
def test_a_broken_document_exits_1_naming_its_fault(tmp_path, document, named):
    checked = check(tmp_path, document)

    assert checked.returncode == 1
    assert named in checked.stdout and checked.stdout.startswith("invalid: ")


def test_the_summary_names_the_buyer_limits(tmp_path):
    checked = check(tmp_path, VALID | {"buyer_limits": {"window_days": 30, "max_auto_refunds": 0}})

    assert checked.returncode == 0
    assert checked.stdout.rstrip().endswith("; buyer limits over 30 days: 0 refunds, any fen")


@pytest.mark.parametrize("script", ["scripts.check_rules", "scripts.simulate_rules"])
@pytest.mark.parametrize("content", [b"\xff\xfe{", None], ids=["not UTF-8", "missing"])
def test_a_file_that_cannot_be_read_exits_1_naming_why_without_a_traceback(tmp_path, script, content):
    path = tmp_path / "rules.json"
    if content is not None:
        path.write_bytes(content)

    checked = subprocess.run(
        [sys.executable, "-m", script, str(path)], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert checked.returncode == 1
    assert checked.stdout.startswith("invalid: ") and ("not UTF-8" in checked.stdout or "cannot read" in checked.stdout)
    assert "Traceback" not in checked.stderr
