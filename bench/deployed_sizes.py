"""Each function's deployed size, from `sam build`'s output (.aws-sam/build): its own code and the
shared layer, unzipped and zipped as they would be uploaded. Lambda's limit is 250 MB unzipped for a
function and its layers together; a smaller package starts colder less slowly."""

import io
import zipfile
from pathlib import Path

from devtools.template import ROOT, Template

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


def mb(size: int) -> str:
    return f"{size / 2**20:6.2f} MB" if size >= 2**20 else f"{size / 2**10:6.1f} KB"


def main() -> None:
    if not BUILD.exists():
        raise SystemExit("no .aws-sam/build: run `make build` first")
    layer_unzipped, layer_zipped = sizes(BUILD / "SharedLayer")
    print(f"{'':32} {'unzipped':>10} {'zipped':>10}   (with the layer: unzipped, zipped)")
    print(f"{'SharedLayer':32} {mb(layer_unzipped)} {mb(layer_zipped)}")
    for logical_id in sorted(Template.load().functions):
        unzipped, zipped = sizes(BUILD / logical_id)
        total = zipped + layer_zipped
        flag = "" if logical_id == "AuthorizerFunction" or total < GOAL_ZIPPED else "  over the 10 MB goal"
        print(f"{logical_id:32} {mb(unzipped)} {mb(zipped)}   {mb(unzipped + layer_unzipped)} {mb(total)}{flag}")


if __name__ == "__main__":
    main()
