"""The package's folders are its layers (import-linter checks the arrows in `make lint`); these check
what a reader relies on besides: the rules engine loads no AWS stack, and no two modules share a name."""

import json
import subprocess
import sys
from collections import Counter

from devtools.catalogue.template import ROOT

PACKAGE = ROOT / "shared" / "fastrefund"
HEAVY = ("boto3", "botocore", "aws_lambda_powertools", "jwt")


def modules_loaded_by(statement: str) -> list[str]:
    """The modules a fresh interpreter holds after `statement` (nothing imported before it)."""
    probe = f"import sys; {statement}; import json; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT / "shared"
    )
    return json.loads(done.stdout)


def test_importing_the_rules_engine_loads_no_aws_powertools_or_configuration():
    loaded = modules_loaded_by("import fastrefund.domain.rules")

    assert "fastrefund.domain.rules" in loaded
    assert [name for name in loaded if name.split(".")[0] in HEAVY] == []
    assert [
        name for name in loaded if name.startswith("fastrefund.") and not name.startswith("fastrefund.domain")
    ] == []


def test_no_two_modules_share_a_file_name():
    names = Counter(path.name for path in PACKAGE.rglob("*.py") if path.name != "__init__.py")

    assert [name for name, count in names.items() if count > 1] == []


def test_every_module_sits_in_a_layer():
    loose = [path.name for path in PACKAGE.glob("*.py") if path.name != "__init__.py"]

    assert loose == []
    assert {path.name for path in PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__"} == {
        "domain",
        "edge",
        "logic",
        "repositories",
        "messaging",
        "platform",
    }


def test_the_probe_would_see_a_heavy_import():
    # The check above cannot pass by accident: importing the platform does load them.
    assert "boto3" in modules_loaded_by("import fastrefund.platform.aws_clients")
