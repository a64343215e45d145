"""Publishing messages to an SNS topic (10 per call, failures reported per message), and handing out work on
an SQS queue."""

from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from fastrefund.domain.notices import Outbound
from fastrefund.platform import aws_clients
from fastrefund.platform.config import MerchantReportsConfig, settings
from fastrefund.platform.observability import logger

PUBLISH_BATCH_SIZE = 10  # the most SNS PublishBatch (and SQS SendMessageBatch) takes


class TopicPublisher:
    def __init__(self, topic_arn: str) -> None:
        self.topic_arn = topic_arn

    def publish(self, messages: Sequence[Outbound]) -> set[str]:
        """Publish the messages in order, 10 per call; returns the ids of those not published.

        It stops at the first call with a failure: a stream is delivered again from its earliest
        failed record, so publishing what follows it now would only send it twice.
        """
        for start in range(0, len(messages), PUBLISH_BATCH_SIZE):
            failed = self._publish_batch(messages[start : start + PUBLISH_BATCH_SIZE])
            if failed:
                return failed | {message.message_id() for message in messages[start + PUBLISH_BATCH_SIZE :]}
        return set()

    def _publish_batch(self, messages: Sequence[Outbound]) -> set[str]:
        entries = {f"m{index}": message for index, message in enumerate(messages)}
        try:
            response = aws_clients.client("sns").publish_batch(
                TopicArn=self.topic_arn,
                PublishBatchRequestEntries=[
                    {
                        "Id": entry_id,
                        "Message": message.model_dump_json(),
                        "MessageAttributes": {
                            name: {"DataType": "String", "StringValue": value}
                            for name, value in message.attributes().items()
                        },
                    }
                    for entry_id, message in entries.items()
                ],
            )
        except (ClientError, BotoCoreError) as exc:
            logger.warning("batch not published", extra={"count": len(entries), "error": str(exc)})
            return {message.message_id() for message in entries.values()}
        failed = {entries[failure["Id"]].message_id() for failure in response.get("Failed", [])}
        if failed:
            logger.warning("some messages not published", extra={"failed": response["Failed"]})
        return failed


class QueueSender:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def waiting(self) -> int:
        """About how many messages wait on the queue, not yet taken (SQS's ApproximateNumberOfMessages)."""
        response = aws_clients.client("sqs").get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(response["Attributes"]["ApproximateNumberOfMessages"])

    def send(self, bodies: Sequence[str]) -> None:
        """Send every body, 10 per call; raises if any was not sent (the caller's run fails and is retried)."""
        for start in range(0, len(bodies), PUBLISH_BATCH_SIZE):
            entries = [
                {"Id": str(index), "MessageBody": body}
                for index, body in enumerate(bodies[start : start + PUBLISH_BATCH_SIZE])
            ]
            response = aws_clients.client("sqs").send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            if response.get("Failed"):
                raise RuntimeError(f"messages not sent to the queue: {response['Failed']}")


def send_report_run(run: BaseModel) -> None:
    """Hand a merchant's report (a policy trial, a statement export) to its background run, on the reports queue."""
    QueueSender(settings(MerchantReportsConfig).merchant_reports_queue_url).send([run.model_dump_json()])
