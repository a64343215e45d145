"""The merchant's statement as StatementTable keeps it (domain/statement_figures.py says what it counts).

Two kinds of item:
- a refund's **counted contribution** (`REFUND#<refund id>`, `COUNTED`): the figures the statement holds for it and
  the stream sequence number of the change they came from; one partition per refund;
- a **day shard** (`<merchant id>#<shard>`, `<China day>`): the sums of the contributions of the refunds of that
  shard, one numeric attribute per figure. A refund always counts on the shard its id picks, of SHARDS; so a
  merchant at 1,000 refunds a second puts about 3,000 / SHARDS (47) writes a second on any one shard (a refund's
  decision and its payment result, and a register; docs/capacity.md);
- a day's **recount shard** (`<merchant id>#recount`, `<China day>`): written once the day has ended, when the
  service checks the day against a recount of the stored refunds (logic/statement_check.py): it marks the day
  final, and holds whatever the recount found the sums lacked or held too much of.

A change is counted once, whatever the stream does: in one transaction, the contribution's new figures replace
the old ones only if they are still the ones read (and the change is later than the one they came from), and
each day shard adds the difference. A change delivered twice, or after a later one, finds a sequence number at
least as late and is skipped; a crash before the commit leaves nothing half counted. Two registers sit beside the
sums on each shard, kept by conditional writes that any order or repetition leaves the same: the earliest moment
the daily limit held a request back (`reached_at`, the smallest), and the daily limit in force (`limit_fen`, of
the latest policy version seen).
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

from botocore.exceptions import ClientError

from fastrefund.domain.clock import china_day, to_storage
from fastrefund.domain.errors import TemporarilyUnavailable
from fastrefund.domain.models.common import Reason, Route
from fastrefund.domain.models.refund import Refund
from fastrefund.domain.statement_figures import DayShard, Figures, contribution, difference
from fastrefund.platform import aws_clients
from fastrefund.repositories import dynamo

SHARDS = 64
RECOUNT = "recount"  # a merchant's day's last shard: what the check after the day added to agree with a recount
DAYS_INDEX = "StatementDays"  # the day shards by day (keys only: written when a shard is made, never after)
COUNTED = "COUNTED"
ATTEMPTS = 5  # a contribution changed between its read and the transaction: read again (another copy of the change)
_REGISTERS = ("limit_fen", "limit_version", "reached_at", "applied_at", "merchant_id", "pk", "sk", "day", "final_at")


class StatementRepository:
    def __init__(self, statement_table: str) -> None:
        self.table_name = statement_table

    def count(self, refund: Refund, sequence: str, at: datetime) -> bool:
        """Count the change that left `refund` as it is (its stream sequence number `sequence`, applied at `at`):
        False when that change, or a later one, was counted already."""
        sequence = sequence.zfill(40)  # stream sequence numbers are decimal strings: padded, they sort as text
        key = dynamo.encode({"pk": f"REFUND#{refund.refund_id}", "sk": COUNTED})
        for _ in range(ATTEMPTS):
            with dynamo.translate_transient_errors():
                found = dynamo.client().get_item(TableName=self.table_name, Key=key, ConsistentRead=True).get("Item")
            counted = dynamo.decode(found) if found else None
            if counted is not None and counted["sequence"] >= sequence:
                return False
            if counted is None:  # a refund's registers come from its decision, which no later change alters
                self._keep_registers(refund)
            before = _days(counted["days"]) if counted else {}
            after = contribution(refund)
            counted_now = self._replace_counted(key, counted, after, sequence)
            sums = [self._add_to_day(refund, day, figures, at) for day, figures in difference(before, after).items()]
            try:
                with dynamo.translate_transient_errors():
                    if sums:
                        dynamo.client().transact_write_items(TransactItems=[counted_now, *sums])
                    else:  # a change the statement does not show (a confirmation): only its sequence is kept
                        dynamo.client().put_item(**counted_now["Put"])
                return True
            except ClientError as exc:
                if aws_clients.error_code(exc) not in (
                    "TransactionCanceledException",
                    "ConditionalCheckFailedException",
                ):
                    raise
        raise TemporarilyUnavailable("the statement's count of this refund keeps changing; retry shortly")

    def _replace_counted(
        self, key: dict[str, Any], counted: dict[str, Any] | None, after: dict[date, Figures], sequence: str
    ) -> dict[str, Any]:
        item = {
            "pk": key["pk"]["S"],
            "sk": COUNTED,
            "sequence": sequence,
            "days": {day.isoformat(): dict(figures) for day, figures in after.items()},
        }
        put: dict[str, Any] = {"TableName": self.table_name, "Item": dynamo.encode(item)}
        if counted is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "#sequence = :read"
            put["ExpressionAttributeNames"] = {"#sequence": "sequence"}
            put["ExpressionAttributeValues"] = dynamo.values(read=counted["sequence"])
        return {"Put": put}

    def _add_to_day(self, refund: Refund, day: date, figures: Figures, at: datetime) -> dict[str, Any]:
        names = {f"#f{n}": name for n, name in enumerate(figures)}
        values = {f"v{n}": figures[name] for n, name in enumerate(figures)}
        adds = ", ".join(f"#f{n} :v{n}" for n in range(len(figures)))
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": _shard_key(refund, day),
                "UpdateExpression": f"ADD {adds} SET merchant_id = :merchant_id, applied_at = :at, #day = :day",
                "ExpressionAttributeNames": names | {"#day": "day"},
                "ExpressionAttributeValues": dynamo.values(
                    **values, merchant_id=refund.merchant_id, at=to_storage(at), day=day.isoformat()
                ),
            }
        }

    def _keep_registers(self, refund: Refund) -> None:
        """The day's limit in force (a later policy version replaces it) and the earliest moment it held a request
        back (an earlier one replaces it): writes whose condition makes any order and any repetition alike."""
        policy, version = refund.inputs.policy, refund.inputs.policy_version
        registers: list[dict[str, Any]] = []
        if refund.route is Route.MERCHANT_AUTO_REFUND and policy and version and policy.daily_limit_amount_fen:
            registers.append(
                {
                    "UpdateExpression": "SET limit_fen = :limit, limit_version = :version, merchant_id = :merchant_id",
                    "ConditionExpression": "attribute_not_exists(limit_version) OR limit_version < :version",
                    "ExpressionAttributeValues": dynamo.values(
                        limit=policy.daily_limit_amount_fen, version=version, merchant_id=refund.merchant_id
                    ),
                }
            )
        if Reason.DAILY_LIMIT_REACHED in refund.reasons:
            registers.append(
                {
                    "UpdateExpression": "SET reached_at = :decided, merchant_id = :merchant_id",
                    "ConditionExpression": "attribute_not_exists(reached_at) OR reached_at > :decided",
                    "ExpressionAttributeValues": dynamo.values(
                        decided=to_storage(refund.decided_at), merchant_id=refund.merchant_id
                    ),
                }
            )
        for register in registers:
            try:
                with dynamo.translate_transient_errors():
                    dynamo.client().update_item(
                        TableName=self.table_name, Key=_shard_key(refund, china_day(refund.decided_at)), **register
                    )
            except ClientError as exc:
                if not dynamo.condition_failed(exc):
                    raise

    def day_shards(self, merchant_id: str, first: date, last: date) -> list[DayShard]:
        """Every shard of the merchant's days from `first` to `last` that holds anything, read in parallel."""

        def read(shard: int) -> list[DayShard]:
            query: dict[str, Any] = {
                "TableName": self.table_name,
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
                "ExpressionAttributeValues": dynamo.values(
                    pk=f"{merchant_id}#{shard}", first=first.isoformat(), last=last.isoformat()
                ),
            }
            found = []
            while True:
                with dynamo.translate_transient_errors():
                    response = dynamo.client().query(**query)
                found += [_day_shard(dynamo.decode(item)) for item in response["Items"]]
                if "LastEvaluatedKey" not in response:
                    return found
                query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

        with ThreadPoolExecutor(16) as pool:
            return [shard for shards in pool.map(read, [*range(SHARDS), RECOUNT]) for shard in shards]

    def merchants_on(self, day: date) -> set[str]:
        """Every merchant whose statement holds anything on `day`."""
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": DAYS_INDEX,
            "KeyConditionExpression": "#day = :day",
            "ExpressionAttributeNames": {"#day": "day"},
            "ExpressionAttributeValues": dynamo.values(day=day.isoformat()),
        }
        merchants = set()
        while True:
            with dynamo.translate_transient_errors():
                response = dynamo.client().query(**query)
            merchants |= {dynamo.decode(item)["pk"].rsplit("#", 1)[0] for item in response["Items"]}
            if "LastEvaluatedKey" not in response:
                return merchants
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def settle(self, merchant_id: str, day: date, correction: Figures, at: datetime) -> None:
        """Mark the merchant's day checked against a recount, adding what the recount found the sums lacked (or
        held too much of): one write, on the day's recount shard."""
        names = {f"#f{n}": name for n, name in enumerate(correction)}
        values = {f"v{n}": correction[name] for n, name in enumerate(correction)}
        adds = ("ADD " + ", ".join(f"#f{n} :v{n}" for n in range(len(correction))) + " ") if correction else ""
        with dynamo.translate_transient_errors():
            dynamo.client().update_item(
                TableName=self.table_name,
                Key=dynamo.encode({"pk": f"{merchant_id}#{RECOUNT}", "sk": day.isoformat()}),
                UpdateExpression=f"{adds}SET final_at = :at, merchant_id = :merchant_id",
                **({"ExpressionAttributeNames": names} if names else {}),
                ExpressionAttributeValues=dynamo.values(**values, at=to_storage(at), merchant_id=merchant_id),
            )


def _shard_key(refund: Refund, day: date) -> dict[str, Any]:
    shard = dynamo.shard_of(refund.refund_id, SHARDS)
    return dynamo.encode({"pk": f"{refund.merchant_id}#{shard}", "sk": day.isoformat()})


def _day_shard(item: dict[str, Any]) -> DayShard:
    return DayShard(
        day=date.fromisoformat(item["sk"]),
        figures=Counter({name: value for name, value in item.items() if name not in _REGISTERS}),
        limit=(item.get("limit_version", ""), item.get("limit_fen")),
        reached_at=item.get("reached_at"),
        applied_at=item.get("applied_at"),
        final="final_at" in item,
    )


def _days(stored: dict[str, dict[str, int]]) -> dict[date, Figures]:
    return {date.fromisoformat(day): Counter(figures) for day, figures in stored.items()}
