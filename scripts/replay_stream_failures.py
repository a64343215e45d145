"""Replays the stream batches a publisher gave up on (NotifierFunction, PayoutPublisherFunction).

Each message of a publisher's on-failure queue (NoticesDeadLetterQueue, PayoutsDeadLetterQueue) names a
stretch of the refunds table's stream, not its records. This reads that stretch again (the stream keeps
24 hours), hands it to the function as Lambda would, and deletes the message once the function took
every record. A message whose stretch has left the stream, or whose records fail again, is kept and
reported: the reconciliation (ReconcilerFunction) sends what those records owed within minutes anyway;
this command is the operator's faster path, and it empties the queue the dead-letter alarm watches.

    python -m scripts.replay_stream_failures --queue-url URL --function-name NAME [--dry-run]
"""

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError

from devtools.emulator.event_sources import lambda_stream_record

Invoke = Callable[[dict[str, Any]], dict[str, Any]]  # a stream event -> the function's answer
EMPTY_READS_AT_THE_END = 3  # an open shard answers empty pages past its last record


def stretch(streams: Any, batch_info: dict[str, Any]) -> list[dict[str, Any]]:
    """The records a DDBStreamBatchInfo names, in the shape Lambda hands a function."""
    iterator = streams.get_shard_iterator(
        StreamArn=batch_info["streamArn"],
        ShardId=batch_info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=batch_info["startSequenceNumber"],
    )["ShardIterator"]
    end, records, empty_reads = int(batch_info["endSequenceNumber"]), [], 0
    while iterator and empty_reads < EMPTY_READS_AT_THE_END:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        empty_reads = 0 if page["Records"] else empty_reads + 1
        for record in page["Records"]:
            if int(record["dynamodb"]["SequenceNumber"]) > end:
                return records
            records.append(lambda_stream_record(record, batch_info["streamArn"]))
        iterator = page.get("NextShardIterator")
    return records


def replay(sqs: Any, streams: Any, queue_url: str, invoke: Invoke, dry_run: bool = False) -> Counter[str]:
    """Replay every message of the queue once; how many were replayed, expired (left the stream), failed.
    A message kept is visible again at the end, for the next run."""
    outcomes: Counter[str] = Counter()
    kept: dict[str, str] = {}  # message id -> receipt handle
    while True:
        # Kept messages stay invisible for the rest of the run, so each is tried once.
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=900).get(
            "Messages", []
        )
        fresh = [message for message in messages if message["MessageId"] not in kept]
        if not fresh:
            break
        for message in fresh:
            outcome = _replay_one(streams, json.loads(message["Body"])["DDBStreamBatchInfo"], invoke, dry_run)
            outcomes[outcome] += 1
            if outcome == "replayed" and not dry_run:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            else:
                kept[message["MessageId"]] = message["ReceiptHandle"]
    for handle in kept.values():
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return outcomes


def _replay_one(streams: Any, batch_info: dict[str, Any], invoke: Invoke, dry_run: bool) -> str:
    where = f"{batch_info['shardId']} {batch_info['startSequenceNumber']}..{batch_info['endSequenceNumber']}"
    try:
        records = stretch(streams, batch_info)
    except ClientError as exc:  # TrimmedDataAccessException, ResourceNotFoundException: past the 24 hours
        print(f"expired  {where}: {exc.response['Error']['Code']}", file=sys.stderr)
        return "expired"
    if not records:
        print(f"expired  {where}: no records left", file=sys.stderr)
        return "expired"
    if dry_run:
        print(f"would replay {where}: {len(records)} records", file=sys.stderr)
        return "replayed"
    answer = invoke({"Records": records})
    failures = answer.get("batchItemFailures", []) if isinstance(answer, dict) else ["the function failed"]
    print(f"{'failed' if failures else 'replayed'} {where}: {len(records)} records", file=sys.stderr)
    return "failed" if failures else "replayed"


def lambda_invoker(function_name: str) -> Invoke:
    client = boto3.client("lambda")

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        response = client.invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
        payload = json.loads(response["Payload"].read() or b"null")
        return {"error": payload} if "FunctionError" in response else payload or {}

    return invoke


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queue-url", required=True, help="the on-failure queue (stack output *DeadLetterQueueUrl)")
    parser.add_argument("--function-name", required=True, help="the publisher that gave up (NotifierFunction's name)")
    parser.add_argument("--dry-run", action="store_true", help="read and report, invoke and delete nothing")
    args = parser.parse_args(argv)
    sqs, streams = boto3.client("sqs"), boto3.client("dynamodbstreams")
    outcomes = replay(sqs, streams, args.queue_url, lambda_invoker(args.function_name), args.dry_run)
    print(json.dumps(dict(outcomes)))
    return 1 if outcomes["failed"] or outcomes["expired"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
