"""Refund requests: reading them, and storing each decision with its order (repositories.refund_transactions).

The merchant policy's daily usage is not part of any transaction here: a merchant-route refund reserves it
first, with a single-item write (repositories.usage_reservations), so that no transaction touches the
merchant's hot counter.
"""

from datetime import datetime

from botocore.exceptions import ClientError

from fastrefund.domain.clock import to_storage
from fastrefund.domain.errors import RequestChanged
from fastrefund.domain.models.buyer import BuyerStanding
from fastrefund.domain.models.order import Order, OrderStatus
from fastrefund.domain.models.refund import (
    DueCursor,
    DuePage,
    DueReview,
    ParcelAfterRefund,
    Payout,
    Refund,
    RefundStatus,
)
from fastrefund.domain.notices import PAYOUTS
from fastrefund.repositories import buyers, dynamo, keys, orders
from fastrefund.repositories.owed_messages import mark_attributes, owed_marks
from fastrefund.repositories.refund_items import REVIEW_PARTITIONS, REVIEWS_DUE_INDEX, escalation_attributes, from_item
from fastrefund.repositories.refund_transactions import TransactionParts

BY_REFUND_ID_INDEX = "ByRefundId"


class RefundsRepository:
    def __init__(self, table_name: str, orders_table: str, buyers_table: str) -> None:
        self.table_name = table_name
        self.orders_table = orders_table
        self.orders = orders.OrdersRepository(orders_table)
        self.parts = TransactionParts(table_name, orders_table, buyers_table)

    # ------------------------------------------------------------------ reads

    def order_and_standing(self, order_id: str, buyer_id: str) -> tuple[Order | None, BuyerStanding]:
        """The order and the buyer's standing (its counted refunds, its risk flag), in one round trip."""
        buyer_keys = [buyers.key(buyer_id, record) for record in (buyers.USAGE, buyers.FLAG)]
        found = dynamo.batch_get(
            {
                self.orders_table: {"Keys": [keys.order(order_id)], "ConsistentRead": True},
                self.parts.buyers_table: {"Keys": buyer_keys, "ConsistentRead": True},
            }
        )
        order_items = found.get(self.orders_table)
        order = orders.from_item(order_items[0]) if order_items else None
        return order, buyers.standing_of(buyer_id, found.get(self.parts.buyers_table, []))

    def order_and_request(self, order_id: str, refund_id: str) -> tuple[Order | None, Refund | None]:
        """The order and one of its requests, in one round trip."""
        found = dynamo.batch_get(
            {
                self.orders_table: {"Keys": [keys.order(order_id)], "ConsistentRead": True},
                self.table_name: {"Keys": [keys.refund(order_id, refund_id)], "ConsistentRead": True},
            }
        )
        order_items, refund_items = found.get(self.orders_table), found.get(self.table_name)
        return (
            orders.from_item(order_items[0]) if order_items else None,
            from_item(refund_items[0]) if refund_items else None,
        )

    def requests_of(self, order_id: str) -> list[Refund]:
        """Every request of the order, newest first (three at most)."""
        with dynamo.translate_transient_errors():
            response = dynamo.client().query(
                TableName=self.table_name,
                KeyConditionExpression="order_id = :order_id",
                ExpressionAttributeValues=dynamo.values(order_id=order_id),
                ConsistentRead=True,
            )
        refunds = [from_item(dynamo.decode(item)) for item in response["Items"]]
        return sorted(refunds, key=lambda refund: refund.requested_at, reverse=True)

    def find(self, refund_id: str) -> Refund | None:
        """A request by its id alone (the payment system's results name only the refund)."""
        with dynamo.translate_transient_errors():
            response = dynamo.client().query(
                TableName=self.table_name,
                IndexName=BY_REFUND_ID_INDEX,
                KeyConditionExpression="refund_id = :refund_id",
                ExpressionAttributeValues=dynamo.values(refund_id=refund_id),
            )
        if not response["Items"]:
            return None
        order_id = dynamo.decode(response["Items"][0])["order_id"]
        return self.order_and_request(order_id, refund_id)[1]

    def review_partitions(self) -> tuple[str, ...]:
        return REVIEW_PARTITIONS

    def due_for_timeout(self, partition: str, now: datetime, limit: int, after: DueCursor = None) -> DuePage:
        """Requests of one review partition still in review past their deadline, earliest first: up to
        `limit`, and where the next page starts (None at the end)."""
        start = {"ExclusiveStartKey": dynamo.encode(after)} if after else {}
        with dynamo.translate_transient_errors():
            response = dynamo.client().query(
                TableName=self.table_name,
                IndexName=REVIEWS_DUE_INDEX,
                KeyConditionExpression="in_review = :in_review AND review_deadline <= :now",
                ExpressionAttributeValues=dynamo.values(in_review=partition, now=to_storage(now)),
                Limit=limit,
                **start,
            )
        due = [
            DueReview(order_id=item["order_id"], refund_id=item["refund_id"], review_deadline=item["review_deadline"])
            for item in map(dynamo.decode, response["Items"])
        ]
        last = response.get("LastEvaluatedKey")
        return due, (dynamo.decode(last) if last else None)

    def get(self, order_id: str, refund_id: str) -> Refund | None:
        with dynamo.translate_transient_errors():
            response = dynamo.client().get_item(
                TableName=self.table_name, Key=keys.refund(order_id, refund_id), ConsistentRead=True
            )
        return from_item(dynamo.decode(response["Item"])) if "Item" in response else None

    # ------------------------------------------------------------------ writes

    def add_for_review(self, refund: Refund, order: Order) -> None:
        """Store a request handed to review and make it the order's open request, if the order is still as
        read (`order`): otherwise a RaceLost."""
        self.parts.transact([self.parts.hold_the_order(refund, order, new_status=None), self.parts.add_refund(refund)])

    def commit_auto_refund(self, refund: Refund, order: Order, buyer: BuyerStanding) -> None:
        """Refund the order, if it is still as read (`order`), with the new request, all or nothing; only if
        the buyer's risk flag is still as read (`buyer`), and with the refund counted in the buyer's usage, if
        that is still at the version read.

        Raises a RaceLost (RefundExists, OrderChanged, BuyerFlagChanged, BuyerUsageChanged, WriteConflict)
        when cancelled.
        """
        self.parts.transact(
            [
                self.parts.hold_the_order(refund, order, new_status=OrderStatus.REFUNDED),
                self.parts.add_refund(refund),
                self.parts.flag_as_read(refund.buyer_id, buyer.flag),
                self.parts.count_for_buyer(buyer.usage.counting(refund.amount_fen, refund.decided_at)),
            ]
        )

    def approve(self, refund: Refund, was: RefundStatus, order: Order) -> None:
        """Store the approved request (it was `was`) and refund its order (still as read), together."""
        order_update = {
            "UpdateExpression": "SET #status = :refunded, refund_id = :refund_id",
            "ConditionExpression": "#status = :seen AND (attribute_not_exists(refund_id) OR refund_id = :refund_id)",
            "ExpressionAttributeValues": dynamo.values(
                refunded=OrderStatus.REFUNDED.value, refund_id=refund.refund_id, seen=order.status.value
            ),
        }
        self.parts.transact([self.parts.replace_request(refund, was), self.parts.update_order(refund, order_update)])

    def end_request(self, refund: Refund, was: RefundStatus, order: Order) -> None:
        """Store the rejected or withdrawn request (it was `was`) and free its order (still as read) for a
        new request, together."""
        order_update = {
            "UpdateExpression": "REMOVE refund_id",
            "ConditionExpression": "#status = :seen AND refund_id = :refund_id",
            "ExpressionAttributeValues": dynamo.values(refund_id=refund.refund_id, seen=order.status.value),
        }
        self.parts.transact([self.parts.replace_request(refund, was), self.parts.update_order(refund, order_update)])

    def escalate(self, refund: Refund) -> None:
        """Pass a request in review to ops (`refund` carries escalated_at): out of the deadline's index, into
        ops' queue, if it is still in review and not escalated (RequestChanged otherwise). Its owed marks are
        left as they are: a notice confirmed meanwhile is not owed again."""
        assert refund.escalated_at is not None
        attributes = {"escalated_at": to_storage(refund.escalated_at)} | escalation_attributes(refund)
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.refund(refund.order_id, refund.refund_id),
                    UpdateExpression=f"SET {', '.join(f'{name} = :{name}' for name in attributes)} REMOVE in_review",
                    ConditionExpression="#status = :in_review AND attribute_not_exists(escalated_at)",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=dynamo.values(**attributes, in_review=RefundStatus.PENDING_REVIEW.value),
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                raise RequestChanged(f"refund {refund.refund_id} changed") from exc
            raise

    def save_payout(self, refund: Refund, seen: Payout | None) -> None:
        """Store the request's new payout state, if its payout is still the one read (RequestChanged),
        with its payout's owed mark: set for a new attempt, gone once the payment system has answered."""
        condition, seen_values = "attribute_not_exists(payout)", {}
        if seen is not None:
            condition = "payout.attempts = :attempts AND payout.#payout_status = :payout_status"
            seen_values = {"attempts": seen.attempts, "payout_status": seen.status.value}
        assert refund.payout is not None  # a payout is saved, never removed
        payout_mark = mark_attributes(PAYOUTS)
        marks = {name: value for name, value in owed_marks(refund).items() if name in payout_mark}
        sets = "".join(f", {name} = :{name}" for name in marks)
        removes = "" if marks else f" REMOVE {', '.join(payout_mark)}"
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.refund(refund.order_id, refund.refund_id),
                    UpdateExpression=f"SET payout = :payout{sets}{removes}",
                    ConditionExpression=condition,
                    **({"ExpressionAttributeNames": {"#payout_status": "status"}} if seen else {}),
                    ExpressionAttributeValues=dynamo.values(
                        payout=dynamo.item_of(refund.payout), **marks, **seen_values
                    ),
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                raise RequestChanged(f"refund {refund.refund_id}'s payout changed") from exc
            raise

    def save_parcel(self, refund: Refund, seen: ParcelAfterRefund | None) -> None:
        """Store the request's parcel after refund (`refund` carries it), if the one stored is still `seen`
        (RequestChanged otherwise)."""
        assert refund.parcel_after_refund is not None
        condition = "attribute_not_exists(parcel_after_refund)" if seen is None else "parcel_after_refund = :seen"
        seen_value = {} if seen is None else {"seen": dynamo.item_of(seen)}
        try:
            with dynamo.translate_transient_errors():
                dynamo.client().update_item(
                    TableName=self.table_name,
                    Key=keys.refund(refund.order_id, refund.refund_id),
                    UpdateExpression="SET parcel_after_refund = :parcel",
                    ConditionExpression=f"attribute_exists(refund_id) AND {condition}",
                    ExpressionAttributeValues=dynamo.values(
                        parcel=dynamo.item_of(refund.parcel_after_refund), **seen_value
                    ),
                )
        except ClientError as exc:
            if dynamo.condition_failed(exc):
                raise RequestChanged(f"refund {refund.refund_id}'s parcel changed") from exc
            raise

    def note_stopped_shipment(self, order_id: str, refund_id: str, parcel: str, at: datetime) -> None:
        """Keep on the refund that a shipment of `parcel` ("<carrier>:<tracking number>") was refused because of
        it; the same parcel again changes nothing (an event delivered twice, a retried call)."""
        key = keys.refund(order_id, refund_id)
        first = {  # the request's first stopped shipment: no map to put the parcel in yet
            "UpdateExpression": "SET stopped_shipments = :parcels",
            "ConditionExpression": "attribute_exists(refund_id) AND attribute_not_exists(stopped_shipments)",
            "ExpressionAttributeValues": dynamo.values(parcels={parcel: to_storage(at)}),
        }
        another = {
            "UpdateExpression": "SET stopped_shipments.#parcel = if_not_exists(stopped_shipments.#parcel, :at)",
            "ConditionExpression": "attribute_exists(stopped_shipments)",
            "ExpressionAttributeNames": {"#parcel": parcel},
            "ExpressionAttributeValues": dynamo.values(at=to_storage(at)),
        }
        for update in (first, another, first):  # another copy may have made the map meanwhile
            try:
                with dynamo.translate_transient_errors():
                    dynamo.client().update_item(TableName=self.table_name, Key=key, **update)
                return
            except ClientError as exc:
                if not dynamo.condition_failed(exc):
                    raise
