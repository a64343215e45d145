"""Each background promise's lag alarm fires when the promise is late: the metric its function emits is then
over the alarm's threshold in template.yaml, and back under it once the work is done."""

import json
from datetime import timedelta

from devtools.catalogue.template import Template
from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.models.merchant import AutoRefundPolicy
from fastrefund.domain.models.refund import Payout
from fastrefund.repositories import dynamo, refund_items
from fastrefund.repositories.leaked_reservations import LeakedReservationsRepository
from fastrefund.repositories.store import get_store
from tests.support import (
    ask_refund,
    enrol_since,
    event,
    invoke,
    past_deadline,
    pay,
    response_json,
    sweep_review_deadlines,
)


def alarm(logical_id: str) -> tuple[str, float]:
    """The metric an alarm watches, and the value over which it fires."""
    properties = Template.load().resources[logical_id]["Properties"]
    return properties["MetricName"], float(properties["Threshold"])


def emitted(capsys, metric: str) -> list[float]:
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    return [value for line in lines if metric in line for value in line[metric]]


def test_a_review_three_minutes_past_its_deadline_fires_the_late_alarm(stack, capsys):
    metric, threshold = alarm("ReviewDeadlinesLateAlarm")
    pay(paid_amount_fen=45000)  # over the guarantee's limit, no policy: to review
    review = response_json(ask_refund("o-1"))
    past_deadline(stack, "o-1", review["refund_id"], timedelta(minutes=3))  # a deadline no sweep decided
    capsys.readouterr()

    assert sweep_review_deadlines(stack) == {"decided": 1, "escalated": 0, "failed": 0}
    assert max(emitted(capsys, metric)) > threshold
    sweep_review_deadlines(stack)
    assert max(emitted(capsys, metric)) <= threshold


def owed_for_fifteen_minutes(stack) -> None:
    """An auto-refund decided 15 minutes ago whose notice and payout instruction were never confirmed since."""
    enrol_since("2026-01-01T00:00:00+08:00")
    pay()
    refund = get_store().refunds.get("o-1", response_json(ask_refund("o-1"))["refund_id"])
    late = utc_now() - timedelta(minutes=15)
    owed_long = refund.model_copy(update={"decided_at": late, "payout": Payout(updated_at=late)})
    stack.dynamodb.put_item(TableName=stack.table("RefundsTable"), Item=dynamo.encode(refund_items.to_item(owed_long)))


def test_each_outbox_schedule_republishes_its_own_outbox(stack):
    owed_for_fifteen_minutes(stack)

    assert invoke("reconciler", {"outbox": "payout"}) == {"payouts": 1}
    assert invoke("reconciler", {"outbox": "notice"}) == {"notices": 1}


def test_a_notice_owed_for_fifteen_minutes_fires_the_late_alarm(stack, capsys):
    metric, threshold = alarm("MessagesOwedLateAlarm")
    owed_for_fifteen_minutes(stack)
    capsys.readouterr()

    assert invoke("reconciler", event("reconciler_scheduled")) == {"notices": 1, "payouts": 1}
    assert max(emitted(capsys, metric)) > threshold
    invoke("reconciler", event("reconciler_scheduled"))
    assert max(emitted(capsys, metric)) <= threshold


def test_a_reservation_left_unreconciled_for_five_minutes_fires_the_late_alarm(stack, capsys, monkeypatch):
    metric, threshold = alarm("UsageReconciliationLateAlarm")
    policy = AutoRefundPolicy(enabled=True, max_refund_amount_fen=50000, daily_limit_amount_fen=100000)
    leaked_at = utc_now() - timedelta(minutes=5)  # a reservation no refund followed, five minutes ago
    version = get_store().merchants.set_auto_refund_policy("m-1", policy, leaked_at)
    get_store().usage.reserve("m-1", china_day(leaked_at), policy, version, 10000, leaked_at)
    # and its bucket keeps changing under the reconciliation (as a late release would): it cannot be closed
    monkeypatch.setattr(LeakedReservationsRepository, "close_bucket", lambda *_: False)
    capsys.readouterr()

    assert invoke("usage_reconciler", event("usage_reconciler_scheduled")) == {"usage_taken_back": 0}
    assert max(emitted(capsys, metric)) > threshold
    monkeypatch.undo()
    assert invoke("usage_reconciler", event("usage_reconciler_scheduled")) == {"usage_taken_back": 1}
    assert max(emitted(capsys, metric)) <= threshold
