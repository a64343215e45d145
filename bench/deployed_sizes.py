"""Each function's deployed size, from `sam build`'s output (.aws-sam/build): its own code and the
shared layer, unzipped and zipped as they would be uploaded. Lambda's limit is 250 MB unzipped for a
function and its layers together; a smaller package starts colder less slowly.

And whether each handler imports with nothing but what Lambda gives it: its package, the layer, and
the runtime's boto3 and botocore (here: the test environment's, the versions requirements-dev.txt pins).
"""

import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import boto3
import botocore

from devtools.catalogue.template import ROOT, Template

BUILD = ROOT / ".aws-sam" / "build"
GOAL_ZIPPED = 10 * 2**20  # every function but the authorizer, with its layer


def sizes(folder: Path) -> tuple[int, int]:
    """(unzipped, zipped) bytes of a folder's files."""
    buffer, unzipped = io.BytesIO(), 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            unzipped += path.stat().st_size
            archive.write(path, path.relative_to(folder))
    return unzipped, len(buffer.getvalue())


RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "urllib3", "six.py")
IMPORT_ALONE = """
import importlib.util, sys
sys.path[:0] = sys.argv[1:4]
spec = importlib.util.spec_from_file_location("app", sys.argv[1] + "/app.py")
spec.loader.exec_module(importlib.util.module_from_spec(spec))
import botocore
assert botocore.__file__.startswith(sys.argv[3]), "botocore came from " + botocore.__file__
"""


def runtime_like() -> Path:
    """A folder holding only the SDK packages the Lambda runtime provides (links to the installed ones)."""
    folder = Path(tempfile.mkdtemp(prefix="runtime-sdk-"))
    installed = Path(boto3.__file__).parent.parent
    for name in RUNTIME_PACKAGES:
        if (installed / name).exists():
            (folder / name).symlink_to(installed / name)
    return folder


def imports_alone(function: Path, runtime: Path) -> str:
    """'ok', or the last line of the error, importing the handler as Lambda would (no site-packages)."""
    command = [sys.executable, "-S", "-c", IMPORT_ALONE, str(function), str(BUILD / "SharedLayer" / "python")]
    done = subprocess.run(
        [*command, str(runtime)],
        capture_output=True,
        text=True,
        env={"AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "size-check"},
    )
    return "ok" if done.returncode == 0 else done.stderr.strip().splitlines()[-1]


def mb(size: int) -> str:
    return f"{size / 2**20:6.2f} MB" if size >= 2**20 else f"{size / 2**10:6.1f} KB"


def main() -> None:
    if not BUILD.exists():
        raise SystemExit("no .aws-sam/build: run `make build` first")
    layer_unzipped, layer_zipped = sizes(BUILD / "SharedLayer")
    runtime = runtime_like()
    print(
        f"import: the handler with its package, the layer and the runtime's SDK alone (botocore {botocore.__version__})"
    )
    print(f"{'':32} {'unzipped':>10} {'zipped':>10}   with the layer: {'unzipped':>10} {'zipped':>10}   import")
    print(f"{'SharedLayer':32} {mb(layer_unzipped)} {mb(layer_zipped)}")
    for logical_id in sorted(Template.load().functions):
        unzipped, zipped = sizes(BUILD / logical_id)
        total = zipped + layer_zipped
        flag = "" if logical_id == "AuthorizerFunction" or total < GOAL_ZIPPED else "  over the 10 MB goal"
        imported = imports_alone(BUILD / logical_id, runtime)
        columns = f"{mb(unzipped)} {mb(zipped)}   {'':16}{mb(unzipped + layer_unzipped)} {mb(total)}"
        print(f"{logical_id:32} {columns}   {imported}{flag}")


if __name__ == "__main__":
    main()
