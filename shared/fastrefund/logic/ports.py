"""What the logic needs from the layers below it, as protocols (ports).

The repositories and the publisher implement them against DynamoDB and SNS; the unit tests implement
them in memory. The logic imports these, never a repository, so a use case runs without AWS.
"""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Protocol, TypeVar

from fastrefund.domain.models.buyer import BuyerFlag, BuyerStanding
from fastrefund.domain.models.merchant import AutoRefundPolicy, MerchantSettings, PolicyUsage
from fastrefund.domain.models.order import Order, OrderState, Shipment
from fastrefund.domain.models.refund import (
    DueCursor,
    DuePage,
    EscalatedPage,
    MerchantRefundsPage,
    ParcelAfterRefund,
    Payout,
    Refund,
    RefundStatus,
)
from fastrefund.domain.models.reports import Report
from fastrefund.domain.models.subscription import Subscription, SubscriptionProtocol
from fastrefund.domain.notices import Outbound, Outbox
from fastrefund.domain.reservations import Bucket, Reservation
from fastrefund.domain.statement_figures import DayShard, Figures


class Orders(Protocol):
    def get(self, order_id: str) -> Order | None:
        """The paid order; None when unknown or still awaiting its payment."""
        ...

    def add_paid(self, order: Order) -> Order | None:
        """Store a newly paid order, keeping a shipment or closure told before it: the order as stored.
        None when it was paid already."""
        ...

    def ship_before_payment(self, order_id: str, shipment: Shipment) -> bool:
        """Keep a shipment told before the order's payment, for the payment to complete without reopening
        it; False when the order is paid by now."""
        ...

    def close_before_payment(self, order_id: str, closed_at: datetime) -> bool:
        """Keep a closure told before the order's payment; False when the order is paid by now."""
        ...

    def close(self, order_id: str, closed_at: datetime) -> tuple[Order | None, bool]:
        """Close a paid or shipped order: the order as it stands (None: unknown), and whether this closed it."""
        ...

    def ship(self, order_id: str, shipment: Shipment, merchant_id: str | None) -> tuple[Order | None, bool]:
        """Ship a paid order (of that merchant, when given) in one write: the order as it stands, and
        whether this shipped it; when not, the order shows why."""
        ...

    def states(self, order_ids: list[str]) -> dict[str, OrderState]: ...


class Merchants(Protocol):
    def get_with_usage(self, merchant_id: str, day: date) -> tuple[MerchantSettings, PolicyUsage]: ...

    def recent_settings(self, merchant_id: str) -> MerchantSettings:
        """The merchant's settings, possibly a copy read a few seconds ago."""
        ...

    def set_fast_refund_service(self, merchant_id: str, enabled: bool, at: datetime) -> bool:
        """Change the enrolment, recording the change in its history; False when it already is `enabled`
        (nothing recorded)."""
        ...

    def set_auto_refund_policy(self, merchant_id: str, policy: AutoRefundPolicy, at: datetime) -> str:
        """Store the policy: its version."""
        ...

    def enrolled_at(self, merchant_id: str, instant: datetime) -> bool:
        """Whether the merchant was enrolled in the fast refund service at that instant: its last change of
        enrolment at or before it (one record read, however long its history)."""
        ...


class Refunds(Protocol):
    def order_and_standing(self, order_id: str, buyer_id: str) -> tuple[Order | None, BuyerStanding]:
        """The order and a buyer's standing (counted refunds, risk flag), read together: a refund request's
        first read, by the buyer who asks."""
        ...

    def order_and_request(self, order_id: str, refund_id: str) -> tuple[Order | None, Refund | None]: ...

    def requests_of(self, order_id: str) -> list[Refund]:
        """Every request of the order, newest first."""
        ...

    def find(self, refund_id: str) -> Refund | None: ...

    def review_partitions(self) -> tuple[str, ...]:
        """The partitions of the requests in review: each is swept for due requests on its own."""
        ...

    def due_for_timeout(self, partition: str, now: datetime, limit: int, after: DueCursor = None) -> DuePage:
        """Requests of one review partition still in review past their deadline, earliest first: up to
        `limit`, and where the next page starts (None at the end)."""
        ...

    def get(self, order_id: str, refund_id: str) -> Refund | None: ...

    def add_for_review(self, refund: Refund, order: Order) -> None:
        """Store a request handed to review as the order's open request; a RaceLost when the order is no
        longer as read."""
        ...

    def commit_auto_refund(self, refund: Refund, order: Order, buyer: BuyerStanding) -> None:
        """Refund the order with the new request, all or nothing; a RaceLost when the order changed since
        the decision's read. Only if the buyer's risk flag is still as read in `buyer` (BuyerFlagChanged if
        not); the refund is counted in the buyer's usage in the same step, whatever the rules' buyer limits,
        if the usage is still at the version read (BuyerUsageChanged if not)."""
        ...

    def approve(self, refund: Refund, was: RefundStatus, order: Order) -> None:
        """Store the approved request (it was `was`) and refund its order (as read), together; a RaceLost
        otherwise."""
        ...

    def end_request(self, refund: Refund, was: RefundStatus, order: Order) -> None:
        """Store the rejected or withdrawn request and free its order (as read), together."""
        ...

    def escalate(self, refund: Refund) -> None:
        """Pass a request in review to ops (`refund` carries escalated_at), if still in review and not yet
        passed; RequestChanged otherwise."""
        ...

    def save_payout(self, refund: Refund, seen: Payout | None) -> None:
        """Store the new payout state if the payout is still `seen`; RequestChanged otherwise."""
        ...

    def save_parcel(self, refund: Refund, seen: ParcelAfterRefund | None) -> None:
        """Store the request's parcel after refund if the one stored is still `seen`; RequestChanged otherwise."""
        ...

    def note_stopped_shipment(self, order_id: str, refund_id: str, parcel: str, at: datetime) -> None:
        """Keep on the refund that a shipment of `parcel` was refused because of it (once per parcel)."""
        ...


class OwedMessages(Protocol):
    """The outbox: the messages (notices, payout instructions) requests owe until confirmed published."""

    def owed_since_before(self, outbox: Outbox, cutoff: datetime, limit: int) -> list[Refund]:
        """The requests, as they are now, owing a message of `outbox` not confirmed published since before
        `cutoff` (at most `limit` per shard)."""
        ...

    def confirm_published(self, outbox: Outbox, refund: Refund) -> bool:
        """Record that the message `refund` (a state of the request) owes was published; False when the
        request no longer owes it unconfirmed."""
        ...


class DailyUsage(Protocol):
    """The merchant policy's usage, per merchant and China day, on one or more counters: what is reserved or
    committed."""

    def reserve(
        self, merchant_id: str, day: date, policy: AutoRefundPolicy, policy_version: str, amount_fen: int, at: datetime
    ) -> Reservation:
        """Count a refund decided at `at` under `policy` (version `policy_version`) if the day's usage leaves
        room for it: where it was counted. DailyLimitReached (with the day's usage), PolicyChanged or
        WriteConflict otherwise, counting nothing."""
        ...

    def open_day(self, merchant_id: str, day: date, policy: AutoRefundPolicy, policy_version: str) -> None:
        """Make the day's counters ready for reservations under `policy` now (best effort)."""
        ...

    def release(self, merchant_id: str, day: date, counter: int, amount_fen: int, at: datetime) -> bool:
        """Take back the reservation made at `at` on `counter` for a refund that was not committed; False when
        it was not taken back here (the reconciliation does it)."""
        ...


class LeakedReservations(Protocol):
    """The reservations' time buckets, for the reconciliation that takes back what no refund followed."""

    def counters_to_reconcile(self) -> list[tuple[str, date, int]]:
        """(merchant_id, day, counter) of every counter with reservations not reconciled yet."""
        ...

    def open_buckets(self, merchant_id: str, day: date, counters: list[int]) -> list[Bucket]:
        """The open buckets of these counters of a merchant's day."""
        ...

    def close_bucket(self, bucket: Bucket, leaked_amount_fen: int, leaked_count: int) -> bool:
        """Take the leaked reservations back and forget the bucket, if it still holds what was read."""
        ...

    def done_reconciling(self, merchant_id: str, day: date, counter: int) -> bool:
        """Stop reconciling the counter, if it has no open bucket."""
        ...


class Subscriptions(Protocol):
    def subscribe(
        self, merchant_id: str, protocol: SubscriptionProtocol, endpoint: str, at: datetime
    ) -> Subscription: ...

    def list(self, merchant_id: str) -> list[Subscription]: ...

    def remove(self, merchant_id: str, subscription_id: str) -> bool: ...


class RefundLists(Protocol):
    def merchant_refunds(
        self,
        merchant_id: str,
        since: datetime | None,
        until: datetime | None,
        filters: Mapping[str, str],
        limit: int,
        before: str | None,
    ) -> MerchantRefundsPage:
        """Newest first: up to `limit` refunds placed before the position `before`; the page may be short, or
        empty, while `last` says where the search goes on."""
        ...

    def buyer_refunds(self, buyer_id: str, limit: int, before: str | None) -> MerchantRefundsPage:
        """Up to `limit` of the buyer's requests placed before the position `before`, newest first."""
        ...

    def decided_between(self, merchant_id: str, first: datetime, last: datetime) -> list[Refund]:
        """Every refund request of the merchant decided from `first` to `last` (inclusive), in no order."""
        ...

    def escalated_refunds(self, limit: int, after: str | None) -> EscalatedPage:
        """Up to `limit` of the requests passed to ops at their deadline and still in review, oldest first,
        from the position after `after`."""
        ...


class StatementKeeping(Protocol):
    def count(self, refund: Refund, sequence: str, at: datetime) -> bool:
        """Count the change that left `refund` as it is (stream sequence `sequence`), once; False when it, or a
        later change, was counted already."""
        ...

    def day_shards(self, merchant_id: str, first: date, last: date) -> list[DayShard]:
        """The merchant's statement from `first` to `last`, as kept: its day shards holding anything."""
        ...

    def merchants_on(self, day: date) -> set[str]:
        """Every merchant whose statement holds anything on `day`."""
        ...

    def settle(self, merchant_id: str, day: date, correction: Figures, at: datetime) -> None:
        """Mark the merchant's day checked against a recount, adding `correction` to its sums."""
        ...


R = TypeVar("R", bound=Report)


class Reports(Protocol):
    def add(self, report: Report) -> None: ...

    def get(self, kind: type[R], merchant_id: str, report_id: str) -> R | None: ...

    def finish(self, report: Report) -> bool:
        """Store the finished report over the running one; False when it had finished already."""
        ...


class ExportFiles(Protocol):
    def put(self, key: str, body: bytes) -> None: ...

    def url(self, key: str, filename: str) -> str:
        """A URL that fetches the file for a while, as an attachment named `filename`."""
        ...


class PolicyRefunds(Protocol):
    def auto_refunded_by_policy(self, merchant_id: str, first: datetime, last: datetime) -> dict[int, tuple[int, int]]:
        """Amount and number of the merchant-route auto-refunds decided from `first` to `last` (inclusive), by
        the usage counter that counted them."""
        ...


class Buyers(Protocol):
    def standing(self, buyer_id: str) -> BuyerStanding:
        """The buyer's counted automatic refunds (version 0 when none are) and risk flag, as stored now."""
        ...

    def record_flag(self, flag: BuyerFlag) -> bool:
        """Store the risk system's word on the buyer if it is later (by its own time) than the one stored;
        False when it is not (a duplicate, or overtaken), and nothing changed."""
        ...


class Store(Protocol):
    """Every repository a use case may need, as one argument."""

    @property
    def orders(self) -> Orders: ...

    @property
    def merchants(self) -> Merchants: ...

    @property
    def refunds(self) -> Refunds: ...

    @property
    def subscriptions(self) -> Subscriptions: ...

    @property
    def refund_lists(self) -> RefundLists: ...

    @property
    def policy_refunds(self) -> PolicyRefunds: ...

    @property
    def owed_messages(self) -> OwedMessages: ...

    @property
    def usage(self) -> DailyUsage: ...

    @property
    def leaked_reservations(self) -> LeakedReservations: ...

    @property
    def buyers(self) -> Buyers: ...

    @property
    def reports(self) -> Reports: ...

    @property
    def export_files(self) -> ExportFiles: ...

    @property
    def statement(self) -> StatementKeeping: ...


class Publisher(Protocol):
    def publish(self, messages: Sequence[Outbound]) -> set[str]:
        """Publish in order; the ids of the messages not published (to be redelivered)."""
        ...
