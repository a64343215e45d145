"""Try a rules document on history before pushing it: make simulate-rules RULES=candidate.json [FROM= TO=] [SOURCE=]

Every stored decision of the period (China days FROM to TO, inclusive) is decided again under the candidate
(logic/rule_trials.py), and what would change is printed per route and reason: how many decisions, how many
yuan, a few order ids. The decisions come from the local stack's refunds table (`make run`'s), or, with
SOURCE, from a DynamoDB export to S3 in the export's own format (DynamoDB JSON: `*.json.gz` files of
`{"Item": ...}` lines), at s3://bucket/prefix or in a local folder: never from a production table. A candidate
that does not validate is refused as `make check-rules` refuses it (exit 1, each fault named).
"""

import argparse
import gzip
import io
import json
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import boto3

from fastrefund.domain.clock import china_day
from fastrefund.domain.models.refund import Refund
from fastrefund.logic.rule_trials import CandidateRules, Change, Trial, trial
from fastrefund.repositories import dynamo
from fastrefund.repositories.refund_items import from_item
from scripts.check_rules import load


def local_table_items(state_dir: Path) -> Iterator[dict[str, Any]]:
    """The local stack's refunds table, scanned (its outputs file names the table and the endpoint)."""
    state = json.loads((state_dir / "outputs.json").read_text())
    client = boto3.client(
        "dynamodb", endpoint_url=state["endpoints"]["dynamodb"], region_name="us-east-1",
        aws_access_key_id="local", aws_secret_access_key="local",
    )  # fmt: skip
    for page in client.get_paginator("scan").paginate(TableName=state["outputs"]["RefundsTableName"]):
        yield from page["Items"]


def export_items(source: str) -> Iterator[dict[str, Any]]:
    """The items of a DynamoDB export (DynamoDB JSON), from S3 or from a folder holding its data files."""
    for text in _export_files(source):
        for line in text.splitlines():
            if line.strip():
                yield json.loads(line)["Item"]


def _export_files(source: str) -> Iterator[str]:
    if source.startswith("s3://"):
        bucket, _, prefix = source.removeprefix("s3://").partition("/")
        s3 = boto3.client("s3")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for listed in page.get("Contents", []):
                if listed["Key"].endswith(".json.gz"):
                    body = s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"].read()
                    yield gzip.decompress(body).decode()
        return
    for path in sorted(Path(source).rglob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as file:
            yield file.read()


def decisions(items: Iterator[dict[str, Any]], first: date | None, last: date | None) -> Iterator[Refund]:
    for item in items:
        refund = from_item(dynamo.decode(item))
        day = china_day(refund.decided_at)
        if (first is None or day >= first) and (last is None or day <= last):
            yield refund


def report(result: Trial, seconds: float, source: str) -> str:
    out = io.StringIO()

    def yuan(fen: int) -> str:
        return f"{fen / 100:,.2f} yuan"

    def section(title: str, changes: dict[tuple[str, tuple[str, ...]], Change], because: str) -> None:
        total = result.total(changes)
        print(f"  {title}: {total.decisions:,} decisions, {yuan(total.amount_fen)}", file=out)
        for (route, reasons), change in sorted(changes.items(), key=lambda entry: -entry[1].decisions):
            print(
                f"    {route}, {because} {', '.join(reasons) or '(none)'}: {change.decisions:,},"
                f" {yuan(change.amount_fen)} (e.g. {', '.join(change.examples)})",
                file=out,
            )

    print(f"{result.decisions:,} decisions from {source} decided again in {seconds:.1f} s", file=out)
    section("auto-refunded -> review", result.to_review, "now")
    section("review -> auto-refunded", result.to_auto, "before")
    if result.no_policy_recorded:
        print(
            f"  {result.no_policy_recorded:,} of those to review would need the merchant's policy, which their"
            " decision never read (the platform approved them): counted as review",
            file=out,
        )
    if result.superseded:
        print(
            f"  {result.superseded:,} requests made again for an order the candidate would have auto-refunded"
            " before them: left out",
            file=out,
        )
    return out.getvalue().rstrip("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", type=Path, help="the candidate rules document")
    parser.add_argument("--from", dest="first", type=date.fromisoformat, help="first China day (inclusive)")
    parser.add_argument("--to", dest="last", type=date.fromisoformat, help="last China day (inclusive)")
    parser.add_argument("--source", help="a DynamoDB export: s3://bucket/prefix or a folder (default: make run's)")
    parser.add_argument("--state-dir", type=Path, default=Path(".local-stack"), help="make run's state folder")
    arguments = parser.parse_args(argv)
    candidate = load(arguments.rules)
    if isinstance(candidate, list):
        print("\n".join(candidate))
        return 1
    started = time.perf_counter()
    items = export_items(arguments.source) if arguments.source else local_table_items(arguments.state_dir)
    result = trial(decisions(items, arguments.first, arguments.last), CandidateRules(candidate))
    print(report(result, time.perf_counter() - started, arguments.source or "the local stack's table"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
