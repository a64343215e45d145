"""What Lambda's event source mappings do, for tests and the local stack: filter criteria, and
delivering a DynamoDB stream in batches with partial-failure retries from the earliest failed record.
"""

import json
import re
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Handler = Callable[[dict[str, Any]], dict[str, Any] | None]


def filter_patterns(event_source: dict[str, Any]) -> list[dict[str, Any]]:
    """The FilterCriteria patterns of a template event source (an empty list lets every record in)."""
    filters = event_source.get("Properties", {}).get("FilterCriteria", {}).get("Filters", [])
    return [json.loads(item["Pattern"]) for item in filters]


def matches(pattern: dict[str, Any], record: dict[str, Any]) -> bool:
    """Event filtering with nested keys, lists of exact values and `{"exists": true}` (the subset the
    template uses)."""
    for key, expected in pattern.items():
        if key not in record:
            return False
        value = record[key]
        if isinstance(expected, dict):
            if not (isinstance(value, dict) and matches(expected, value)):
                return False
        elif value not in expected and {"exists": True} not in expected:
            return False
    return True


def passes(patterns: list[dict[str, Any]], record: dict[str, Any]) -> bool:
    return not patterns or any(matches(pattern, record) for pattern in patterns)


_RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def rate_seconds(expression: str) -> int | None:
    """The period of an EventBridge rate expression ("rate(1 minute)"), None for anything else (cron)."""
    found = re.fullmatch(r"rate\((\d+) (\w+)\)", expression.strip())
    if not found or found[2] not in _RATE_UNITS or int(found[1]) < 1:
        return None
    return int(found[1]) * _RATE_UNITS[found[2]]


def scheduled_event(rule_arn: str, at: datetime) -> dict[str, Any]:
    """What EventBridge hands a function on a schedule."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [rule_arn],
        "detail": {},
    }


def lambda_stream_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A record from GetRecords in the shape Lambda hands to a function."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if created is not None and not isinstance(created, int | float):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


def read_stream(
    streams: Any, stream_arn: str, positions: dict[str, str] | None = None, shards: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every record written since `positions` (shard -> last sequence number read), which it advances;
    `shards` (if given) learns each record's shard, by sequence number."""
    positions = positions if positions is not None else {}
    shards = shards if shards is not None else {}
    records = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        shard_id = shard["ShardId"]
        start = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": positions[shard_id]}
            if shard_id in positions
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard_id, **start)["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            records += [lambda_stream_record(record, stream_arn) for record in page["Records"]]
            if page["Records"]:
                positions[shard_id] = page["Records"][-1]["dynamodb"]["SequenceNumber"]
                shards.update((record["dynamodb"]["SequenceNumber"], shard_id) for record in page["Records"])
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return records


def on_failure_message(stream_arn: str, shard_id: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
    """What Lambda sends a stream's on-failure destination for a batch it gave up on: where the batch
    was, not its records."""
    return {
        "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 11},
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
            "batchSize": len(batch),
            "streamArn": stream_arn,
        },
    }


@dataclass
class StreamDelivery:
    """Delivers records in order, in batches, as Lambda does for a stream with ReportBatchItemFailures:
    a batch with failures is delivered again from its earliest failed record; after `max_retries`
    attempts without progress the batch goes to the on-failure destination (here: `given_up`)."""

    handler: Handler
    batch_size: int = 100
    max_retries: int = 10
    invocations: int = 0
    given_up: list[list[dict[str, Any]]] = field(default_factory=list)

    def deliver(self, records: Iterable[dict[str, Any]]) -> None:
        pending = list(records)
        retries = 0
        while pending:
            batch = pending[: self.batch_size]
            self.invocations += 1
            sequences = [record["dynamodb"]["SequenceNumber"] for record in batch]
            try:
                response = self.handler({"Records": batch}) or {}
            except Exception as exc:  # an error, a timeout, a crash: the whole batch again, as Lambda does
                print(f"stream batch failed: {exc!r}", file=sys.stderr)
                response = {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in sequences]}
            failed = {failure["itemIdentifier"] for failure in response.get("batchItemFailures", [])}
            first_failed = next((i for i, sequence in enumerate(sequences) if sequence in failed), None)
            if first_failed is None:
                pending, retries = pending[len(batch) :], 0
            elif first_failed > 0:
                pending, retries = pending[first_failed:], 0
            elif retries < self.max_retries:
                retries += 1
            else:
                self.given_up.append(batch)
                pending, retries = pending[len(batch) :], 0
