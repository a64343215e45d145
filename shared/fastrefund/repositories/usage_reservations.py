"""Reserving a merchant-route refund on the day's usage counters before it commits, and releasing it.

A merchant-route refund reserves on one counter with a single conditional update (room enough, dealt under the
policy version the decision read), then commits order and request in a transaction that does not touch the
counter, and releases the reservation (giving its room back) when that transaction is cancelled. No
transaction touches a counter while refunds are being reserved on it, so a busy merchant's refunds never
cancel one another, and each counter (its own partition) takes ~1,000 of them a second.

A new day's counters start with their shares of the limit at their first reservation. When no counter has
room for a refund, or the day's rooms were not dealt under the current policy (a policy change), the rooms
are dealt again: every counter of the day read, then all of them rewritten in one transaction with the refund
counted, each on condition that it did not change since read (`revision`). Rare (a policy change, the end of
the day's allowance), so it seldom meets a refund.

A process that dies between its reservation and its commit leaves a counter too high, never too low: the
limit still holds; repositories.leaked_reservations finds and takes back such leaks.
"""

import random
from datetime import date, datetime
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from fastrefund.domain.errors import DailyLimitReached, PolicyChanged, TemporarilyUnavailable, WriteConflict
from fastrefund.domain.models.merchant import MAX_USAGE_COUNTERS, AutoRefundPolicy, PolicyUsage
from fastrefund.domain.reservations import Reservation, Rooms, bucket_of
from fastrefund.domain.rules import DailyRoom
from fastrefund.platform import aws_clients
from fastrefund.platform.observability import logger
from fastrefund.repositories import dynamo, keys, usage_counters


class DailyUsageRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def get(self, merchant_id: str, day: date) -> PolicyUsage:
        """The day's usage, from every counter the day may have."""
        return usage_counters.usage_of(
            day, usage_counters.read_counters(self.table_name, merchant_id, day, range(MAX_USAGE_COUNTERS)).values()
        )

    def reserve(
        self, merchant_id: str, day: date, policy: AutoRefundPolicy, policy_version: str, amount_fen: int, at: datetime
    ) -> Reservation:
        """Count one refund of `amount_fen`, decided at `at` under `policy` (version `policy_version`), on one
        of the day's counters: the first, in random order, whose room takes it; if none does, on rooms dealt
        again from the day's usage.

        Raises DailyLimitReached (with the day's usage), PolicyChanged or WriteConflict, counting nothing.
        """
        numbers = random.sample(range(policy.usage_counters), policy.usage_counters)
        for counter in numbers:
            try:
                before = self._take(merchant_id, day, counter, policy, policy_version, amount_fen, at)
            except _Refused as refused:
                stored = refused.stored
                if stored.get("policy_version", policy_version) != policy_version:
                    raise PolicyChanged(merchant_id) from None
                if stored.get("rooms_for") != policy_version:
                    break  # the rooms are not dealt under this policy (or cannot be: the day is over): deal them
                if usage_counters.the_only_counter(policy, stored):
                    usage = usage_counters.usage_of(day, [stored])  # its refusal shows the day's usage
                    if not DailyRoom.of(policy, amount_fen).admits(usage):
                        raise DailyLimitReached(merchant_id, usage) from None
            else:
                return Reservation(
                    counter,
                    usage_counters.usage_of(day, [before]) if usage_counters.the_only_counter(policy, before) else None,
                )
        return self._deal(merchant_id, day, policy, policy_version, _Refund(numbers[0], amount_fen, at))

    def open_day(self, merchant_id: str, day: date, policy: AutoRefundPolicy, policy_version: str) -> None:
        """Deal the day's rooms under `policy` now rather than at its next refund (after a policy change: so that
        a wave of refunds does not meet its undealt rooms all at once). Best effort."""
        try:
            self._deal(merchant_id, day, policy, policy_version, None)
        except (PolicyChanged, WriteConflict, TemporarilyUnavailable, DailyLimitReached) as exc:
            logger.info("the day's rooms are left to its next refund", extra={"why": type(exc).__name__})

    def release(self, merchant_id: str, day: date, counter: int, amount_fen: int, at: datetime) -> bool:
        """Take back the reservation made at `at` on `counter` for a refund that was not committed (its
        transaction was cancelled), and give its room back. False when it was not taken back here: its bucket
        was reconciled already (which took it back then), or the write failed (the reconciliation will)."""
        bucket = bucket_of(at)
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.usage(merchant_id, day, counter),
                    UpdateExpression=(
                        f"ADD amount_fen :minus, refund_count :minus_one, r_{bucket} :minus, n_{bucket} :minus_one,"
                        " room_fen :amount, room_count :one, revision :one"
                    ),
                    ConditionExpression=f"attribute_exists(r_{bucket})",
                    ExpressionAttributeValues=dynamo.values(minus=-amount_fen, minus_one=-1, amount=amount_fen, one=1),
                )
        except (ClientError, TemporarilyUnavailable) as exc:
            logger.warning("reservation not released here", extra={"merchant_id": merchant_id, "why": str(exc)})
            return False
        return True

    def _take(
        self,
        merchant_id: str,
        day: date,
        counter: int,
        policy: AutoRefundPolicy,
        policy_version: str,
        amount_fen: int,
        at: datetime,
    ) -> dynamo.Item:
        """Reserve on one counter if its room, dealt under `policy_version`, takes the refund: the counter as it
        was. _Refused (with the counter as stored) otherwise.

        A counter no reservation, deal or policy change has touched yet belongs to a day with no usage (a deal
        or a policy change writes every counter): it starts with its share of the whole limit, the room a deal
        would give it, so the day's first refunds need no deal."""
        fresh = Rooms.dealt(policy, PolicyUsage(day=day), policy.usage_counters)
        assert fresh is not None, "a day with no usage is never over the limit"
        sets = ["room_fen = if_not_exists(room_fen, :fresh_fen) - :amount"]
        takes = ["room_fen >= :amount"]
        values = dynamo.values(
            version=policy_version, expires_at=usage_counters.expiry(day), fresh_fen=fresh.fen[counter]
        )
        fresh_fits = fresh.fen[counter] >= amount_fen
        if fresh.count is not None:
            sets.append("room_count = if_not_exists(room_count, :fresh_count) - :one")
            takes.append("room_count >= :one")
            values |= dynamo.values(fresh_count=fresh.count[counter])
            fresh_fits = fresh_fits and fresh.count[counter] >= 1
        sets += [
            "rooms_for = :version",
            "policy_version = :version",
            "expires_at = :expires_at",
            usage_counters.COUNT_REFUND,
        ]
        condition = f"(rooms_for = :version AND {' AND '.join(takes)})"
        if fresh_fits:
            condition += " OR attribute_not_exists(merchant_id)"
        try:
            with dynamo.translate_transient_errors():
                response = dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.usage(merchant_id, day, counter),
                    UpdateExpression=f"SET {', '.join(sets)} ADD {usage_counters.bucket_additions(at)}, revision :one",
                    ConditionExpression=condition,
                    ExpressionAttributeValues=usage_counters.refund_values(merchant_id, amount_fen, at) | values,
                    ReturnValues="ALL_OLD",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if aws_clients.error_code(exc) == "TransactionConflictException":  # rooms being dealt, a policy change
                raise WriteConflict("the day's usage counters are being changed") from exc
            if not dynamo.condition_failed(exc):
                raise
            raise _Refused(dynamo.decode(exc.response.get("Item", {}))) from exc
        return dynamo.decode(response.get("Attributes", {}))

    def _deal(
        self,
        merchant_id: str,
        day: date,
        policy: AutoRefundPolicy,
        policy_version: str,
        refund: "_Refund | None",
    ) -> Reservation:
        """Read all the day's counters, count `refund` (if any) on its counter if the day's usage leaves
        room for it, and deal the rooms that are left over the counters, in one transaction on condition that no
        counter changed since read."""
        stored = usage_counters.read_counters(
            self.table_name, merchant_id, day, range(MAX_USAGE_COUNTERS)
        )  # rare: every counter the day may have
        if any(item.get("policy_version", policy_version) != policy_version for item in stored.values()):
            raise PolicyChanged(merchant_id)
        usage = usage_counters.usage_of(day, stored.values())
        taken = usage
        if refund is not None:
            if not DailyRoom.of(policy, refund.amount_fen).admits(usage):
                raise DailyLimitReached(merchant_id, usage)
            taken = usage.model_copy(
                update={"amount_fen": usage.amount_fen + refund.amount_fen, "count": usage.count + 1}
            )
        with_usage = [counter for counter, item in stored.items() if item.get("amount_fen") or item.get("refund_count")]
        in_use = max(policy.usage_counters, usage_counters.counters_in_use(stored), max(with_usage, default=0) + 1)
        rooms = Rooms.dealt(policy, taken, in_use)
        if rooms is None:  # the usage is over a limit lowered below it: the counters stay without room
            raise DailyLimitReached(merchant_id, usage)
        parts = [
            self._dealt_counter(merchant_id, day, counter, stored.get(counter), rooms, policy_version, in_use, refund)
            for counter in range(in_use)
        ]
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().transact_write_items(TransactItems=parts)
        except ClientError as exc:
            if aws_clients.error_code(exc) == "TransactionCanceledException":  # a counter changed since read
                raise WriteConflict("the day's usage counters changed while their rooms were dealt") from exc
            raise
        logger.info(
            "the day's rooms dealt",
            extra={"merchant_id": merchant_id, "counters": in_use, "usage_fen": taken.amount_fen, "rooms": rooms.fen},
        )
        return Reservation(refund.counter if refund is not None else 0, usage)

    def _dealt_counter(
        self,
        merchant_id: str,
        day: date,
        counter: int,
        stored: dynamo.Item | None,
        rooms: Rooms,
        policy_version: str,
        in_use: int,
        refund: "_Refund | None",
    ) -> dict[str, Any]:
        sets = ["policy_version = :version", "rooms_for = :version", "room_fen = :room_fen", "expires_at = :expires_at"]
        removes = []
        additions = ["revision :one"]
        values: dict[str, Any] = dynamo.values(
            version=policy_version, room_fen=rooms.fen[counter], expires_at=usage_counters.expiry(day), one=1
        )
        if rooms.count is not None:
            sets.append("room_count = :room_count")
            values |= dynamo.values(room_count=rooms.count[counter])
        else:
            removes.append("room_count")
        if counter == 0:
            sets.append("counters = :in_use")
            values |= dynamo.values(in_use=in_use)
        if refund is not None and refund.counter == counter:
            sets.append(usage_counters.COUNT_REFUND)
            additions.insert(0, usage_counters.bucket_additions(refund.at))
            values |= usage_counters.refund_values(merchant_id, refund.amount_fen, refund.at)
        if stored is None:
            condition = "attribute_not_exists(merchant_id)"
        elif "revision" not in stored:  # a counter written before revisions were kept: its usage unchanged
            condition = "attribute_not_exists(revision) AND " + (
                "amount_fen = :read_fen" if "amount_fen" in stored else "attribute_not_exists(amount_fen)"
            )
            values |= dynamo.values(read_fen=stored["amount_fen"]) if "amount_fen" in stored else {}
        else:
            condition = "revision = :revision"
            values |= dynamo.values(revision=stored["revision"])
        expression = f"SET {', '.join(sets)}" + (f" REMOVE {', '.join(removes)}" if removes else "")
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": keys.usage(merchant_id, day, counter),
                "UpdateExpression": f"{expression} ADD {', '.join(additions)}",
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
            }
        }


class _Refund(NamedTuple):
    """A refund a deal counts: on which counter, how much, decided when."""

    counter: int
    amount_fen: int
    at: datetime


class _Refused(Exception):
    """A counter refused a reservation; `stored` is the counter as it was."""

    def __init__(self, stored: dynamo.Item) -> None:
        super().__init__("the counter refused the reservation")
        self.stored = stored
