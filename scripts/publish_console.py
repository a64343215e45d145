"""Upload the built console to a deployed stack (make deploy runs it after sam deploy): its files to the stack's
ConsoleBucket under console/, its config.json from the stack's ConsoleSignIn output (the identity provider the
authorizer trusts), then an invalidation of the two files whose names do not change.

    python -m scripts.publish_console --env dev   (the stack samconfig.toml names for that environment)
"""

import argparse
import json
import mimetypes
import time
import tomllib
from pathlib import Path
from typing import Any

import boto3

from devtools.catalogue.template import CONSOLE_BUILT, ROOT

PREFIX = "console/"
IMMUTABLE = "public, max-age=31536000, immutable"  # assets: their names carry their content's hash
REVALIDATE = "no-cache"  # the page and its config: asked for again each time


def config_of(sign_in: dict[str, str]) -> dict[str, Any]:
    """config.json: the provider's sign-in, or none while the stack has no provider (JwtIssuer) set."""
    if not sign_in.get("issuer") or not sign_in.get("clientId"):
        return {"signIn": "none"}
    return {"signIn": "oidc", **sign_in}


def publish(outputs: dict[str, str], s3: Any, cloudfront: Any, built: Path = CONSOLE_BUILT) -> list[str]:
    """Every built file and config.json uploaded; the keys written, the page last (so that it never names an
    asset not there yet)."""
    bucket = outputs["ConsoleBucketName"]
    files = sorted(path for path in built.rglob("*") if path.is_file())
    if not any(path.name == "index.html" for path in files):
        raise SystemExit("the console is not built: make console")
    written = []
    for path in sorted(files, key=lambda p: p.name == "index.html"):
        name = path.relative_to(built).as_posix()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        cache = IMMUTABLE if name.startswith("assets/") else REVALIDATE
        s3.put_object(Bucket=bucket, Key=PREFIX + name, Body=path.read_bytes(), ContentType=kind, CacheControl=cache)
        written.append(PREFIX + name)
    config = json.dumps(config_of(json.loads(outputs["ConsoleSignIn"]))).encode()
    s3.put_object(
        Bucket=bucket, Key=f"{PREFIX}config.json", Body=config, ContentType="application/json", CacheControl=REVALIDATE
    )
    written.append(f"{PREFIX}config.json")
    cloudfront.create_invalidation(
        DistributionId=outputs["ConsoleDistributionId"],
        InvalidationBatch={
            "Paths": {"Quantity": 2, "Items": [f"/{PREFIX}index.html", f"/{PREFIX}config.json"]},
            "CallerReference": f"console-{time.time_ns()}",
        },
    )
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, help="an environment of samconfig.toml (dev, prod)")
    args = parser.parse_args()
    samconfig = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    stack_name = samconfig[args.env]["deploy"]["parameters"]["stack_name"]
    [stack] = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}
    written = publish(outputs, boto3.client("s3"), boto3.client("cloudfront"))
    print(f"console: {len(written)} files to s3://{outputs['ConsoleBucketName']}/{PREFIX}")
    if config_of(json.loads(outputs["ConsoleSignIn"]))["signIn"] == "none":
        print("console: no identity provider (JwtIssuer, JwtAudience): nobody can sign in until the stack has one")
    print(f"console: {outputs['ConsoleUrl']}")


if __name__ == "__main__":
    main()
