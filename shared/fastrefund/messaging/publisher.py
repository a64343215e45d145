"""Publishing notices to the merchant notices topic: 10 per SNS call, failures reported per notice."""

from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError

from fastrefund.domain.notices import Notice
from fastrefund.runtime import aws_clients
from fastrefund.runtime.observability import logger

PUBLISH_BATCH_SIZE = 10  # the most SNS PublishBatch takes


class NoticePublisher:
    def __init__(self, topic_arn: str) -> None:
        self.topic_arn = topic_arn

    def publish(self, notices: Sequence[Notice]) -> set[str]:
        """Publish the notices in order, 10 per call; returns the ids of those not published.

        It stops at the first call with a failure: a stream is delivered again from its earliest
        failed record, so publishing what follows it now would only send it twice.
        """
        for start in range(0, len(notices), PUBLISH_BATCH_SIZE):
            failed = self._publish_batch(notices[start : start + PUBLISH_BATCH_SIZE])
            if failed:
                return failed | {notice.notice_id for notice in notices[start + PUBLISH_BATCH_SIZE :]}
        return set()

    def _publish_batch(self, notices: Sequence[Notice]) -> set[str]:
        entries = {f"n{index}": notice for index, notice in enumerate(notices)}
        try:
            response = aws_clients.client("sns").publish_batch(
                TopicArn=self.topic_arn,
                PublishBatchRequestEntries=[
                    {
                        "Id": entry_id,
                        "Message": notice.model_dump_json(),
                        "MessageAttributes": {
                            name: {"DataType": "String", "StringValue": value}
                            for name, value in notice.attributes().items()
                        },
                    }
                    for entry_id, notice in entries.items()
                ],
            )
        except (ClientError, BotoCoreError) as exc:
            logger.warning("notice batch not published", extra={"count": len(entries), "error": str(exc)})
            return {notice.notice_id for notice in entries.values()}
        failed = {entries[failure["Id"]].notice_id for failure in response.get("Failed", [])}
        if failed:
            logger.warning("some notices not published", extra={"failed": response["Failed"]})
        return failed
