"""Policy trials as the merchants table keeps them: one record each, under the merchant, removed by the table's
TTL a week after it was asked for."""

from botocore.exceptions import ClientError

from fastrefund.domain.models.policy_trial import TRIAL_KEPT_FOR, PolicyTrial, TrialStatus
from fastrefund.repositories import dynamo, keys


class TrialsRepository:
    def __init__(self, merchants_table: str) -> None:
        self.table_name = merchants_table

    def add(self, trial: PolicyTrial) -> None:
        item = keys.merchant(trial.merchant_id, keys.TRIAL + trial.trial_id) | dynamo.encode(_item(trial))
        with dynamo.translate_transient_errors():
            dynamo.client().put_item(
                TableName=self.table_name, Item=item, ConditionExpression="attribute_not_exists(merchant_id)"
            )

    def get(self, merchant_id: str, trial_id: str) -> PolicyTrial | None:
        with dynamo.translate_transient_errors():
            response = dynamo.client().get_item(
                TableName=self.table_name, Key=keys.merchant(merchant_id, keys.TRIAL + trial_id), ConsistentRead=True
            )
        item = response.get("Item")
        return dynamo.model_of(PolicyTrial, dynamo.decode(item)) if item else None

    def finish(self, trial: PolicyTrial) -> bool:
        """Store the finished trial over the running one; False when it had finished already (a message delivered
        twice)."""
        item = keys.merchant(trial.merchant_id, keys.TRIAL + trial.trial_id) | dynamo.encode(_item(trial))
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().put_item(
                    TableName=self.table_name,
                    Item=item,
                    ConditionExpression="#status = :running",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=dynamo.values(running=TrialStatus.RUNNING.value),
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                return False
            raise
        return True


def _item(trial: PolicyTrial) -> dynamo.Item:
    return dynamo.item_of(trial) | {"expires_at": int((trial.requested_at + TRIAL_KEPT_FOR).timestamp())}
