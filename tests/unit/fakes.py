"""In-memory implementations of the logic's ports (fastrefund.logic.ports), for unit tests without AWS.

Each subclasses the port it stands for, so mypy holds its signatures to the port's (`make lint`), and
tests/contract runs the same cases against each fake and its DynamoDB repository.

They keep the repositories' contracts: a conditional write either happens whole or reports why not,
the refund transaction checks what the DynamoDB one checks (the order still PAID, no refund yet), and the
reservation on the day's usage what its conditional update checks (the stored usage within the policy's
room, the policy version). `before_commit` and `before_reserve` let a test make something happen between
the decision's read and its write, as a concurrent request would.
"""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from fastrefund.domain.clock import china_day, to_storage
from fastrefund.domain.errors import (
    BuyerFlagChanged,
    BuyerUsageChanged,
    DailyLimitReached,
    OrderChanged,
    PolicyChanged,
    RefundExists,
    RequestChanged,
)
from fastrefund.domain.models.buyer import BuyerFlag, BuyerStanding, BuyerUsage
from fastrefund.domain.models.common import Route
from fastrefund.domain.models.merchant import AutoRefundPolicy, MerchantSettings, PolicyUsage
from fastrefund.domain.models.order import Order, OrderState, OrderStatus, Shipment
from fastrefund.domain.models.refund import (
    DueCursor,
    DuePage,
    DueReview,
    EscalatedPage,
    MerchantRefundsPage,
    ParcelAfterRefund,
    Payout,
    Refund,
    RefundStatus,
)
from fastrefund.domain.models.reports import Report, ReportStatus
from fastrefund.domain.models.subscription import Subscription, SubscriptionProtocol
from fastrefund.domain.notices import Outbound, Outbox
from fastrefund.domain.reservations import Bucket, Reservation, bucket_of
from fastrefund.domain.rules import DailyRoom
from fastrefund.domain.statement_figures import DayShard, Figures, contribution, difference
from fastrefund.logic import ports
from fastrefund.repositories.refund_items import REVIEW_PARTITIONS, review_partition


@dataclass
class InMemoryOrders(ports.Orders):
    orders: dict[str, Order] = field(default_factory=dict)
    awaiting_payment: dict[str, dict[str, object]] = field(default_factory=dict)  # what came before ORDER_PAID

    def get(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def add_paid(self, order: Order) -> Order | None:
        if order.order_id in self.orders:
            return None
        self.orders[order.order_id] = order.model_copy(update=self.awaiting_payment.pop(order.order_id, {}))
        return self.orders[order.order_id]

    def ship_before_payment(self, order_id: str, shipment: Shipment) -> bool:
        if order_id in self.orders:
            return False
        told = self.awaiting_payment.setdefault(order_id, {})
        told.setdefault("status", OrderStatus.SHIPPED)  # a closure told first stays
        told.setdefault("shipment", shipment)
        return True

    def close_before_payment(self, order_id: str, closed_at: datetime) -> bool:
        if order_id in self.orders:
            return False
        told = self.awaiting_payment.setdefault(order_id, {})
        told["status"] = OrderStatus.CLOSED
        told.setdefault("closed_at", closed_at)
        return True

    def close(self, order_id: str, closed_at: datetime) -> tuple[Order | None, bool]:
        change = {"status": OrderStatus.CLOSED, "closed_at": closed_at}
        return self._transition(order_id, (OrderStatus.PAID, OrderStatus.SHIPPED), None, change)

    def ship(self, order_id: str, shipment: Shipment, merchant_id: str | None) -> tuple[Order | None, bool]:
        return self._transition(
            order_id, (OrderStatus.PAID,), merchant_id, {"status": OrderStatus.SHIPPED, "shipment": shipment}
        )

    def _transition(
        self, order_id: str, allowed: tuple[OrderStatus, ...], merchant_id: str | None, change: dict[str, object]
    ) -> tuple[Order | None, bool]:
        """Change the order only from an allowed status (and for its merchant, when given), like the
        conditional write; otherwise return it as it stands."""
        order = self.orders.get(order_id)
        if order is None or order.status not in allowed or merchant_id not in (None, order.merchant_id):
            return order, False
        self.orders[order_id] = order.model_copy(update=change)
        return self.orders[order_id], True

    def states(self, order_ids: list[str]) -> dict[str, OrderState]:
        return {
            order_id: OrderState.model_validate(order.model_dump(include=set(OrderState.model_fields)))
            for order_id in order_ids
            if (order := self.orders.get(order_id)) is not None
        }


@dataclass
class InMemoryMerchants(ports.Merchants):
    stored: dict[str, MerchantSettings] = field(default_factory=dict)
    usage: dict[tuple[str, date], PolicyUsage] = field(default_factory=dict)
    enrolments: dict[str, list[tuple[datetime, bool]]] = field(default_factory=dict)
    policy_versions: dict[tuple[str, date], str] = field(default_factory=dict)  # the usage counters' versions

    def get_with_usage(self, merchant_id: str, day: date) -> tuple[MerchantSettings, PolicyUsage]:
        return (
            self.stored.get(merchant_id, MerchantSettings(merchant_id=merchant_id)),
            self.usage.get((merchant_id, day), PolicyUsage(day=day)),
        )

    def recent_settings(self, merchant_id: str) -> MerchantSettings:
        return self.stored.get(merchant_id, MerchantSettings(merchant_id=merchant_id))

    def set_fast_refund_service(self, merchant_id: str, enabled: bool, at: datetime) -> bool:
        current, _ = self.get_with_usage(merchant_id, at.date())
        if current.fast_refund_updated_at is not None and current.fast_refund_enabled is enabled:
            return False
        self.stored[merchant_id] = current.model_copy(
            update={"fast_refund_enabled": enabled, "fast_refund_updated_at": at}
        )
        self.enrolments.setdefault(merchant_id, []).append((at, enabled))
        return True

    def set_auto_refund_policy(self, merchant_id: str, policy: AutoRefundPolicy, at: datetime) -> str:
        current, _ = self.get_with_usage(merchant_id, at.date())
        self.stored[merchant_id] = current.model_copy(update={"auto_refund_policy": policy, "policy_updated_at": at})
        for day in (china_day(at), china_day(at) + timedelta(days=1)):
            self.policy_versions[(merchant_id, day)] = to_storage(at)
        return to_storage(at)

    def enrolled_at(self, merchant_id: str, instant: datetime) -> bool:
        before = [enabled for at, enabled in sorted(self.enrolments.get(merchant_id, [])) if at <= instant]
        return bool(before) and before[-1]


@dataclass
class InMemoryBuyers(ports.Buyers):
    usages: dict[str, BuyerUsage] = field(default_factory=dict)
    flags: dict[str, BuyerFlag] = field(default_factory=dict)

    def standing(self, buyer_id: str) -> BuyerStanding:
        usage = self.usages.get(buyer_id) or BuyerUsage(buyer_id=buyer_id)
        return BuyerStanding(usage=usage, flag=self.flags.get(buyer_id))

    def record_flag(self, flag: BuyerFlag) -> bool:
        stored = self.flags.get(flag.buyer_id)
        if stored is not None and stored.at >= flag.at:
            return False
        self.flags[flag.buyer_id] = flag
        return True


@dataclass
class InMemoryRefunds(ports.Refunds):
    orders: InMemoryOrders
    buyers: InMemoryBuyers
    refunds: dict[str, Refund] = field(default_factory=dict)  # by refund_id
    before_commit: list[Callable[[], None]] = field(default_factory=list)  # one per commit, first first

    def order_and_standing(self, order_id: str, buyer_id: str) -> tuple[Order | None, BuyerStanding]:
        return self.orders.get(order_id), self.buyers.standing(buyer_id)

    def order_and_request(self, order_id: str, refund_id: str) -> tuple[Order | None, Refund | None]:
        refund = self.refunds.get(refund_id)
        return self.orders.get(order_id), (refund if refund and refund.order_id == order_id else None)

    def requests_of(self, order_id: str) -> list[Refund]:
        found = [refund for refund in self.refunds.values() if refund.order_id == order_id]
        return sorted(found, key=lambda refund: refund.requested_at, reverse=True)

    def find(self, refund_id: str) -> Refund | None:
        return self.refunds.get(refund_id)

    def review_partitions(self) -> tuple[str, ...]:
        return REVIEW_PARTITIONS

    def due_for_timeout(self, partition: str, now: datetime, limit: int, after: DueCursor = None) -> DuePage:
        due = sorted(
            (refund.review_deadline, refund.order_id, refund.refund_id)
            for refund in self.refunds.values()
            if refund.status is RefundStatus.PENDING_REVIEW
            and review_partition(refund.order_id) == partition
            and refund.review_deadline
            and refund.review_deadline <= now
            and (after is None or (refund.review_deadline, refund.order_id, refund.refund_id) > after["last"])
        )
        page = [DueReview(order_id=o, refund_id=r, review_deadline=deadline) for deadline, o, r in due[:limit]]
        return page, ({"last": due[limit - 1]} if len(due) > limit else None)

    def get(self, order_id: str, refund_id: str) -> Refund | None:
        return self.order_and_request(order_id, refund_id)[1]

    def add_for_review(self, refund: Refund, order: Order) -> None:
        self._happen_meanwhile()
        self._hold(refund, order, new_status=None)
        self.refunds[refund.refund_id] = refund

    def commit_auto_refund(self, refund: Refund, order: Order, buyer: BuyerStanding) -> None:
        self._happen_meanwhile()
        now = self.buyers.standing(refund.buyer_id)
        if now.flag != buyer.flag:
            self._order_as_read(order)  # the order's races take precedence, as in the transaction
            raise BuyerFlagChanged(refund.buyer_id)
        if now.usage.version != buyer.usage.version:
            self._order_as_read(order)
            raise BuyerUsageChanged(refund.buyer_id)
        self._hold(refund, order, new_status=OrderStatus.REFUNDED)
        self.refunds[refund.refund_id] = refund
        self.buyers.usages[refund.buyer_id] = buyer.usage.counting(refund.amount_fen, refund.decided_at)

    def approve(self, refund: Refund, was: RefundStatus, order: Order) -> None:
        self._happen_meanwhile()
        stored = self._as_read(refund, was, order, allow_free=True)
        self.refunds[refund.refund_id] = refund
        self.orders.orders[order.order_id] = stored.model_copy(
            update={"status": OrderStatus.REFUNDED, "refund_id": refund.refund_id}
        )

    def end_request(self, refund: Refund, was: RefundStatus, order: Order) -> None:
        self._happen_meanwhile()
        stored = self._as_read(refund, was, order, allow_free=False)
        self.refunds[refund.refund_id] = refund
        self.orders.orders[order.order_id] = stored.model_copy(update={"refund_id": None})

    def escalate(self, refund: Refund) -> None:
        self._happen_meanwhile()
        stored = self.refunds[refund.refund_id]
        if stored.status is not RefundStatus.PENDING_REVIEW or stored.escalated_at is not None:
            raise RequestChanged(f"refund {refund.refund_id} changed")
        self.refunds[refund.refund_id] = stored.model_copy(update={"escalated_at": refund.escalated_at})

    def save_payout(self, refund: Refund, seen: Payout | None) -> None:
        self._happen_meanwhile()
        stored = self.refunds[refund.refund_id]

        def state(payout: Payout | None) -> tuple[int, str] | None:
            return (payout.attempts, payout.status) if payout else None

        if state(stored.payout) != state(seen):
            raise RequestChanged(f"refund {refund.refund_id}'s payout changed")
        self.refunds[refund.refund_id] = stored.model_copy(update={"payout": refund.payout})

    def save_parcel(self, refund: Refund, seen: ParcelAfterRefund | None) -> None:
        stored = self.refunds[refund.refund_id]
        if stored.parcel_after_refund != seen:
            raise RequestChanged(f"refund {refund.refund_id}'s parcel changed")
        self.refunds[refund.refund_id] = stored.model_copy(update={"parcel_after_refund": refund.parcel_after_refund})

    def note_stopped_shipment(self, order_id: str, refund_id: str, parcel: str, at: datetime) -> None:
        stored = self.refunds.get(refund_id)
        if stored is None:  # as DynamoDB's conditional write: nothing to keep it on
            return
        stopped = {parcel: at} | (stored.stopped_shipments or {})
        self.refunds[refund_id] = stored.model_copy(update={"stopped_shipments": stopped})

    def _order_as_read(self, order: Order) -> Order:
        """The stored order, if as read, with no open request and no request made since."""
        stored = self.orders.get(order.order_id)
        if stored is None:
            raise OrderChanged(order.order_id, "MISSING")
        if stored.refund_id is not None:
            raise RefundExists(order.order_id)
        if stored.status is not order.status or stored.refund_requests != order.refund_requests:
            raise OrderChanged(order.order_id, stored.status)
        return stored

    def _hold(self, refund: Refund, order: Order, new_status: OrderStatus | None) -> None:
        """The order as read (see _order_as_read); then it holds this one."""
        stored = self._order_as_read(order)
        changes: dict[str, object] = {"refund_id": refund.refund_id, "refund_requests": order.refund_requests + 1}
        if new_status is not None:
            changes["status"] = new_status
        self.orders.orders[order.order_id] = stored.model_copy(update=changes)

    def _as_read(self, refund: Refund, was: RefundStatus, order: Order, allow_free: bool) -> Order:
        """The stored order, if it and the request are as the decision read them; otherwise the race lost, in
        the transaction's precedence: another request holds the order, the request changed, the order did."""
        stored = self.orders.orders[order.order_id]
        holder_ok = stored.refund_id == refund.refund_id or (allow_free and stored.refund_id is None)
        if not holder_ok:
            raise RefundExists(order.order_id)
        if self.refunds[refund.refund_id].status is not was:
            raise RequestChanged(f"refund {refund.refund_id} changed")
        if stored.status is not order.status:
            raise OrderChanged(order.order_id, stored.status)
        return stored

    def _happen_meanwhile(self) -> None:
        if self.before_commit:
            self.before_commit.pop(0)()


@dataclass
class InMemoryOwedMessages(ports.OwedMessages):
    """The outbox over InMemoryRefunds: what a stored request owes, less what was confirmed published."""

    refunds: InMemoryRefunds
    confirmed: set[tuple[str, str]] = field(default_factory=set)  # (outbox, message id) confirmed published

    def owed_since_before(self, outbox: Outbox, cutoff: datetime, limit: int) -> list[Refund]:
        owing = []
        for refund in self.refunds.refunds.values():
            message = outbox.owed(refund)
            unconfirmed = message is not None and (outbox.name, message.message_id()) not in self.confirmed
            if unconfirmed and outbox.owed_since(refund) < cutoff:
                owing.append((outbox.owed_since(refund), refund.refund_id))
        return [self.refunds.refunds[refund_id] for _, refund_id in sorted(owing)[:limit]]

    def confirm_published(self, outbox: Outbox, refund: Refund) -> bool:
        message, stored = outbox.owed(refund), self.refunds.refunds.get(refund.refund_id)
        current = outbox.owed(stored) if stored else None
        if message is None or current is None or current.message_id() != message.message_id():
            return False
        if (outbox.name, message.message_id()) in self.confirmed:
            return False
        self.confirmed.add((outbox.name, message.message_id()))
        return True


@dataclass
class InMemoryUsage(ports.DailyUsage):
    """The day's usage, kept in InMemoryMerchants (whose get_with_usage reads it), on one counter (0), with its
    buckets as the counter item keeps them."""

    merchants: InMemoryMerchants
    buckets: dict[tuple[str, date], dict[int, tuple[int, int]]] = field(default_factory=dict)
    to_reconcile: set[tuple[str, date]] = field(default_factory=set)
    before_reserve: list[Callable[[], None]] = field(default_factory=list)  # one per reservation, first first

    def get(self, merchant_id: str, day: date) -> PolicyUsage:
        return self.merchants.usage.get((merchant_id, day), PolicyUsage(day=day))

    def reserve(
        self, merchant_id: str, day: date, policy: AutoRefundPolicy, policy_version: str, amount_fen: int, at: datetime
    ) -> Reservation:
        if self.before_reserve:
            self.before_reserve.pop(0)()
        before = self.get(merchant_id, day)
        if self.merchants.policy_versions.get((merchant_id, day), policy_version) != policy_version:
            raise PolicyChanged(merchant_id)
        if not DailyRoom.of(policy, amount_fen).admits(before):
            raise DailyLimitReached(merchant_id, before)
        self.merchants.policy_versions[(merchant_id, day)] = policy_version
        self._count(merchant_id, day, bucket_of(at), amount_fen, 1)
        self.to_reconcile.add((merchant_id, day))
        return Reservation(0, before)

    def open_day(self, merchant_id: str, day: date, policy: AutoRefundPolicy, policy_version: str) -> None:
        pass  # one counter, whose room is the limit minus its usage: nothing to deal

    def release(self, merchant_id: str, day: date, counter: int, amount_fen: int, at: datetime) -> bool:
        if bucket_of(at) not in self.buckets.get((merchant_id, day), {}):
            return False
        self._count(merchant_id, day, bucket_of(at), -amount_fen, -1)
        return True

    def _count(self, merchant_id: str, day: date, bucket: int, amount_fen: int, count: int) -> None:
        used = self.get(merchant_id, day)
        self.merchants.usage[(merchant_id, day)] = used.model_copy(
            update={"amount_fen": used.amount_fen + amount_fen, "count": used.count + count}
        )
        held = self.buckets.setdefault((merchant_id, day), {})
        reserved, number = held.get(bucket, (0, 0))
        held[bucket] = (reserved + amount_fen, number + count)


@dataclass
class InMemoryLeakedReservations(ports.LeakedReservations):
    """The reconciliation's view of InMemoryUsage: its buckets and the counters that still have some."""

    usage: InMemoryUsage

    def counters_to_reconcile(self) -> list[tuple[str, date, int]]:
        return [(merchant_id, day, 0) for merchant_id, day in sorted(self.usage.to_reconcile)]

    def open_buckets(self, merchant_id: str, day: date, counters: list[int]) -> list[Bucket]:
        held = self.usage.buckets.get((merchant_id, day), {}) if 0 in counters else {}
        return [Bucket(merchant_id, day, 0, start, *held[start]) for start in sorted(held)]

    def close_bucket(self, bucket: Bucket, leaked_amount_fen: int, leaked_count: int) -> bool:
        held = self.usage.buckets.get((bucket.merchant_id, bucket.day), {})
        if held.get(bucket.start) != (bucket.amount_fen, bucket.count):
            return False
        del held[bucket.start]
        used = self.usage.get(bucket.merchant_id, bucket.day)
        self.usage.merchants.usage[(bucket.merchant_id, bucket.day)] = used.model_copy(
            update={"amount_fen": used.amount_fen - leaked_amount_fen, "count": used.count - leaked_count}
        )
        return True

    def done_reconciling(self, merchant_id: str, day: date, counter: int) -> bool:
        if self.usage.buckets.get((merchant_id, day)):
            return False
        self.usage.to_reconcile.discard((merchant_id, day))
        return True


@dataclass
class InMemorySubscriptions(ports.Subscriptions):
    subscriptions: dict[str, Subscription] = field(default_factory=dict)

    def subscribe(self, merchant_id: str, protocol: SubscriptionProtocol, endpoint: str, at: datetime) -> Subscription:
        subscription = Subscription(
            subscription_id=f"sub-{len(self.subscriptions) + 1}",
            merchant_id=merchant_id,
            protocol=protocol,
            endpoint=endpoint,
            created_at=at,
        )
        self.subscriptions[subscription.subscription_id] = subscription
        return subscription

    def list(self, merchant_id: str) -> list[Subscription]:
        return [s for s in self.subscriptions.values() if s.merchant_id == merchant_id]

    def remove(self, merchant_id: str, subscription_id: str) -> bool:
        found = self.subscriptions.get(subscription_id)
        if found is None or found.merchant_id != merchant_id:
            return False
        del self.subscriptions[subscription_id]
        return True


@dataclass
class InMemoryRefundLists(ports.RefundLists):
    refunds: InMemoryRefunds

    def merchant_refunds(
        self,
        merchant_id: str,
        since: datetime | None,
        until: datetime | None,
        filters: Mapping[str, str],
        limit: int,
        before: str | None,
    ) -> MerchantRefundsPage:
        def matches(refund: Refund) -> bool:
            return (
                refund.merchant_id == merchant_id
                and (since is None or refund.decided_at >= since)
                and (until is None or refund.decided_at <= until)
                and all(str(getattr(refund, name)) == value for name, value in filters.items())
            )

        return self._newest_first(matches, limit, before)

    def buyer_refunds(self, buyer_id: str, limit: int, before: str | None) -> MerchantRefundsPage:
        return self._newest_first(lambda refund: refund.buyer_id == buyer_id, limit, before)

    def decided_between(self, merchant_id: str, first: datetime, last: datetime) -> list[Refund]:
        return [
            refund
            for refund in self.refunds.refunds.values()
            if refund.merchant_id == merchant_id and first <= refund.decided_at <= last
        ]

    def escalated_refunds(self, limit: int, after: str | None) -> EscalatedPage:
        waiting = sorted(
            (f"{to_storage(refund.escalated_at)}#{refund.refund_id}", refund)
            for refund in self.refunds.refunds.values()
            if refund.escalated_at and refund.status is RefundStatus.PENDING_REVIEW
        )
        chosen = [(position, refund) for position, refund in waiting if after is None or position > after]
        page = chosen[:limit]
        return EscalatedPage(refunds=[refund for _, refund in page], last=page[-1][0] if len(chosen) > limit else None)

    def _newest_first(self, matches: Callable[[Refund], bool], limit: int, before: str | None) -> MerchantRefundsPage:
        """The matching refunds placed before `before` (positions as the index sorts them), newest first."""

        def position(refund: Refund) -> str:
            return f"{to_storage(refund.decided_at)}#{refund.refund_id}"

        chosen = sorted(
            (
                refund
                for refund in self.refunds.refunds.values()
                if matches(refund) and (before is None or position(refund) < before)
            ),
            key=position,
            reverse=True,
        )
        page = chosen[:limit]
        return MerchantRefundsPage(refunds=page, last=position(page[-1]) if len(chosen) > limit else None)


@dataclass
class InMemoryPolicyRefunds(ports.PolicyRefunds):
    refunds: InMemoryRefunds

    def auto_refunded_by_policy(self, merchant_id: str, first: datetime, last: datetime) -> dict[int, tuple[int, int]]:
        counted = [
            refund.amount_fen
            for refund in self.refunds.refunds.values()
            if refund.merchant_id == merchant_id
            and refund.route is Route.MERCHANT_AUTO_REFUND
            and first <= refund.decided_at <= last
        ]
        return {0: (sum(counted), len(counted))} if counted else {}


@dataclass
class InMemoryReports(ports.Reports):
    reports: dict[tuple[str, str], Report] = field(default_factory=dict)

    def add(self, report: Report) -> None:
        key = (report.merchant_id, report.RECORD + report.report_id)
        assert key not in self.reports
        self.reports[key] = report

    def get(self, kind: type[ports.R], merchant_id: str, report_id: str) -> ports.R | None:
        found = self.reports.get((merchant_id, kind.RECORD + report_id))
        return found if isinstance(found, kind) else None

    def finish(self, report: Report) -> bool:
        key = (report.merchant_id, report.RECORD + report.report_id)
        if self.reports[key].status is not ReportStatus.RUNNING:
            return False
        self.reports[key] = report
        return True


@dataclass
class InMemoryStatement(ports.StatementKeeping):
    """The statement kept as the table keeps it, in one shard a day: each refund's counted figures and sequence."""

    counted: dict[str, tuple[str, dict[date, Figures]]] = field(default_factory=dict)
    days: dict[tuple[str, date], Figures] = field(default_factory=dict)
    settled: set[tuple[str, date]] = field(default_factory=set)

    def count(self, refund: Refund, sequence: str, at: datetime) -> bool:
        last, before = self.counted.get(refund.refund_id, ("", {}))
        if last and int(last) >= int(sequence):
            return False
        after = contribution(refund)
        for day, figures in difference(before, after).items():
            self.days.setdefault((refund.merchant_id, day), Counter()).update(figures)
        self.counted[refund.refund_id] = (sequence, after)
        return True

    def day_shards(self, merchant_id: str, first: date, last: date) -> list[DayShard]:
        return [
            DayShard(
                day=day, figures=figures, limit=("", None), reached_at=None, applied_at=None,
                final=(merchant, day) in self.settled,
            )
            for (merchant, day), figures in sorted(self.days.items())
            if merchant == merchant_id and first <= day <= last
        ]  # fmt: skip

    def merchants_on(self, day: date) -> set[str]:
        return {merchant for merchant, on in self.days if on == day}

    def settle(self, merchant_id: str, day: date, correction: Figures, at: datetime) -> None:
        self.days.setdefault((merchant_id, day), Counter()).update(correction)
        self.settled.add((merchant_id, day))


@dataclass
class InMemoryExportFiles(ports.ExportFiles):
    files: dict[str, bytes] = field(default_factory=dict)

    def put(self, key: str, body: bytes) -> None:
        self.files[key] = body

    def url(self, key: str, filename: str) -> str:
        return f"memory://{key}?as={filename}"


@dataclass
class InMemoryStore:
    orders: InMemoryOrders = field(default_factory=InMemoryOrders)
    merchants: InMemoryMerchants = field(default_factory=InMemoryMerchants)
    subscriptions: InMemorySubscriptions = field(default_factory=InMemorySubscriptions)
    refunds: InMemoryRefunds = field(init=False)
    refund_lists: InMemoryRefundLists = field(init=False)
    policy_refunds: InMemoryPolicyRefunds = field(init=False)
    owed_messages: InMemoryOwedMessages = field(init=False)
    usage: InMemoryUsage = field(init=False)
    leaked_reservations: InMemoryLeakedReservations = field(init=False)
    buyers: InMemoryBuyers = field(default_factory=InMemoryBuyers)
    reports: InMemoryReports = field(default_factory=InMemoryReports)
    export_files: InMemoryExportFiles = field(default_factory=InMemoryExportFiles)
    statement: InMemoryStatement = field(default_factory=InMemoryStatement)

    def __post_init__(self) -> None:
        self.refunds = InMemoryRefunds(self.orders, self.buyers)
        self.refund_lists = InMemoryRefundLists(self.refunds)
        self.policy_refunds = InMemoryPolicyRefunds(self.refunds)
        self.owed_messages = InMemoryOwedMessages(self.refunds)
        self.usage = InMemoryUsage(self.merchants)
        self.leaked_reservations = InMemoryLeakedReservations(self.usage)


@dataclass
class RecordingPublisher(ports.Publisher):
    """Publishes into a list; the messages whose refund id is in `failing` are not published."""

    failing: set[str] = field(default_factory=set)
    attempted: list[Any] = field(default_factory=list)
    published: list[Any] = field(default_factory=list)

    def publish(self, messages: Sequence[Outbound]) -> set[str]:
        self.attempted += messages
        unpublished = {message.message_id() for message in messages if message.refund_id in self.failing}
        self.published += [message for message in messages if message.message_id() not in unpublished]
        return unpublished
