"""The template's event sources, run locally: SQS queues and DynamoDB streams delivered to functions
with their batch sizes, filter criteria, partial batch failures, redrive and on-failure destinations."""

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from devtools.emulator.event_sources import (
    StreamDelivery,
    filter_patterns,
    on_failure_message,
    passes,
    read_stream,
    scheduled_event,
)
from devtools.emulator.local_lambda import LocalFunctions

IDLE_SECONDS = 0.3


class _Poller(threading.Thread):
    def __init__(self, name: str, stopping: threading.Event, idle_seconds: float = IDLE_SECONDS) -> None:
        super().__init__(name=name, daemon=True)
        self.stopping, self.idle_seconds = stopping, idle_seconds

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                busy = self.poll_once()
            except Exception as exc:  # keep polling: a local stack outlives one bad poll
                print(f"{self.name}: {exc!r}", file=sys.stderr)
                busy = False
            if not busy:
                self.stopping.wait(self.idle_seconds)

    def poll_once(self) -> bool:
        raise NotImplementedError


class SqsPoller(_Poller):
    """Receives up to BatchSize messages, invokes, deletes what did not fail. Failed messages come back
    after the queue's visibility timeout; SQS moves them to the dead-letter queue after maxReceiveCount."""

    def __init__(
        self,
        stopping,
        functions: LocalFunctions,
        function: str,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        batch_size: int,
        number: int = 1,
    ) -> None:
        # The extra pollers of a queue look less often while it is empty: moto serves one request at a time.
        super().__init__(f"sqs->{function}#{number}", stopping, IDLE_SECONDS * number)
        self.functions, self.function, self.sqs = functions, function, sqs
        self.queue_url, self.queue_arn, self.batch_size = queue_url, queue_arn, batch_size

    def poll_once(self) -> bool:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.batch_size, 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return False
        records = [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {
                    name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"]}
                    for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": self.queue_arn,
                "awsRegion": "us-east-1",
            }
            for message in messages
        ]
        result = self.functions.invoke(self.function, {"Records": records}) or {}
        failed = {failure["itemIdentifier"] for failure in result.get("batchItemFailures", [])}
        done = [record for record in records if record["messageId"] not in failed]
        for record in done:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"])
        print(f"{self.name}: {len(done)} done, {len(failed)} failed (redelivered later)", file=sys.stderr)
        return True


class StreamPoller(_Poller):
    def __init__(
        self,
        stopping,
        functions: LocalFunctions,
        function: str,
        streams: Any,
        stream_arn: str,
        event_source: dict[str, Any],
        sqs: Any,
        on_failure_url: str | None,
    ) -> None:
        super().__init__(f"stream->{function}", stopping)
        props = event_source["Properties"]
        self.streams, self.stream_arn, self.sqs, self.on_failure_url = streams, stream_arn, sqs, on_failure_url
        self.patterns = filter_patterns(event_source)
        self.positions: dict[str, str] = {}
        self.shards: dict[str, str] = {}  # sequence number -> shard
        self.deliveries: dict[str, StreamDelivery] = {}  # by shard: each has its own retries

        def new_delivery() -> StreamDelivery:
            return StreamDelivery(
                handler=lambda event: functions.invoke(function, event),
                batch_size=props.get("BatchSize", 100),
                max_retries=props.get("MaximumRetryAttempts", 10),
            )

        self.new_delivery = new_delivery

    def poll_once(self) -> bool:
        records = [
            r
            for r in read_stream(self.streams, self.stream_arn, self.positions, self.shards)
            if passes(self.patterns, r)
        ]
        if not records:
            return False
        by_shard: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            by_shard.setdefault(self.shards[record["dynamodb"]["SequenceNumber"]], []).append(record)
        # One consumer per shard, as Lambda runs a stream: the shards at once, each in its order.
        with ThreadPoolExecutor(len(by_shard)) as consumers:
            list(consumers.map(self._consume, by_shard.items()))
        return True

    def _consume(self, shard_records: tuple[str, list[dict[str, Any]]]) -> None:
        shard, records = shard_records
        delivery = self.deliveries.setdefault(shard, self.new_delivery())
        delivery.deliver(records)
        print(f"{self.name}: {len(records)} records of {shard} delivered", file=sys.stderr)
        while delivery.given_up:
            description = on_failure_message(self.stream_arn, shard, delivery.given_up.pop(0))
            if self.on_failure_url:
                self.sqs.send_message(QueueUrl=self.on_failure_url, MessageBody=json.dumps(description))


class SchedulePoller(_Poller):
    """Invokes the function every `period` seconds, as an EventBridge schedule would (the first time one
    period after the start), with the schedule's event or, when the template gives one, its `Input`."""

    def __init__(
        self,
        stopping,
        functions: LocalFunctions,
        function: str,
        rule_arn: str,
        period: float,
        given: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"schedule->{function}", stopping)
        self.functions, self.function, self.rule_arn, self.period = functions, function, rule_arn, period
        self.given = given

    def run(self) -> None:
        while not self.stopping.wait(self.period):
            try:
                event = self.given if self.given is not None else scheduled_event(self.rule_arn, datetime.now(UTC))
                result = self.functions.invoke(self.function, event)
                print(f"{self.name}: {json.dumps(result)}", file=sys.stderr)
            except Exception as exc:  # keep the schedule: a local stack outlives one failed run
                print(f"{self.name}: {exc!r}", file=sys.stderr)
