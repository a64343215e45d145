"""A merchant's reports (domain/models/reports.py) as the merchants table keeps them: one record each, under the
merchant, removed by the table's TTL a week after it was asked for."""

from typing import Any, TypeVar

from botocore.exceptions import ClientError

from fastrefund.domain.models.reports import KEPT_FOR, Report, ReportStatus
from fastrefund.repositories import dynamo, keys

R = TypeVar("R", bound=Report)


class ReportsRepository:
    def __init__(self, merchants_table: str) -> None:
        self.table_name = merchants_table

    def add(self, report: Report) -> None:
        with dynamo.translate_transient_errors():
            dynamo.client().put_item(
                TableName=self.table_name, Item=_item(report), ConditionExpression="attribute_not_exists(merchant_id)"
            )

    def get(self, kind: type[R], merchant_id: str, report_id: str) -> R | None:
        with dynamo.translate_transient_errors():
            response = dynamo.client().get_item(
                TableName=self.table_name, Key=keys.merchant(merchant_id, kind.RECORD + report_id), ConsistentRead=True
            )
        item = response.get("Item")
        return dynamo.model_of(kind, dynamo.decode(item)) if item else None

    def finish(self, report: Report) -> bool:
        """Store the finished report over the running one; False when it had finished already (a message delivered
        twice)."""
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().put_item(
                    TableName=self.table_name,
                    Item=_item(report),
                    ConditionExpression="#status = :running",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=dynamo.values(running=ReportStatus.RUNNING.value),
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                return False
            raise
        return True


def _item(report: Report) -> dict[str, Any]:
    expires_at = int((report.requested_at + KEPT_FOR).timestamp())
    key = keys.merchant(report.merchant_id, report.RECORD + report.report_id)
    return key | dynamo.encode(dynamo.item_of(report) | {"expires_at": expires_at})
