"""make simulate-rules: stored decisions decided again under a candidate rules document, from a DynamoDB
export in the export's own format; what it prints is checked against a direct recount."""

import gzip
import json
import random
import subprocess
import sys
from datetime import timedelta

import pytest

from devtools.catalogue.template import ROOT
from devtools.factories import default_rulebook, order, policy, refund_of
from fastrefund.domain.clock import china_day, utc_now
from fastrefund.domain.models.common import Reason, Route
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.repositories import dynamo, refund_items

DECISIONS = 10_000
NOW = utc_now()


def stored_decisions() -> list:
    """10,000 decisions of the last 30 days: platform refunds (100 to 299.99 yuan), merchant-policy refunds of
    orders without the badge, and requests sent to review for their amount."""
    rng = random.Random(25)
    refunds = []
    for n in range(DECISIONS):
        decided_at = NOW - timedelta(days=30) + timedelta(seconds=n * 250)
        kind = rng.choice(["platform"] * 6 + ["merchant"] * 2 + ["review"] * 2)
        amount = {"platform": rng.randint(10_000, 29_999), "merchant": rng.randint(1_000, 50_000)}.get(
            kind, rng.randint(30_000, 50_000)
        )
        paid = order(
            order_id=f"o-{n}", buyer_id=f"b-{n % 700}", paid_amount_fen=amount, paid_at=decided_at - timedelta(hours=1),
            badge_at_payment=kind != "merchant",
        )  # fmt: skip
        if kind == "review":
            refund = refund_of(
                paid, route=None, status=RefundStatus.PENDING_REVIEW, reasons=[Reason.AMOUNT_OVER_LIMIT,
                Reason.POLICY_DISABLED], refund_id=f"r-{n}", decided_at=decided_at, requested_at=decided_at,
            )  # fmt: skip
        else:
            route = Route.PLATFORM_FAST_REFUND if kind == "platform" else Route.MERCHANT_AUTO_REFUND
            refund = refund_of(paid, route=route, refund_id=f"r-{n}", decided_at=decided_at, requested_at=decided_at)
            if kind == "merchant":  # the merchant's policy, as its decision read it
                inputs = refund.inputs.model_copy(update={"policy": policy(daily_limit_amount_fen=10**9)})
                refund = refund.model_copy(update={"inputs": inputs})
        refunds.append(refund)
    return refunds


def export(folder, refunds) -> None:
    """The refunds as a DynamoDB export's data files: gzipped lines of {"Item": <DynamoDB JSON>}."""
    data = folder / "AWSDynamoDB" / "01234-abcd" / "data"
    data.mkdir(parents=True)
    for part in range(4):
        lines = [json.dumps({"Item": dynamo.encode(refund_items.to_item(r))}) for r in refunds[part::4]]
        (data / f"part-{part}.json.gz").write_bytes(gzip.compress("\n".join(lines).encode()))


def simulate(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scripts.simulate_rules", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    refunds = stored_decisions()
    export(folder, refunds)
    candidate = default_rulebook().model_dump(mode="json")
    for version in candidate["versions"]:
        version["paid_amount_below_fen"] = 20_000  # 300 yuan lowered to 200
    (folder / "candidate.json").write_text(json.dumps(candidate))
    return folder, refunds


def test_a_lower_threshold_prints_exactly_the_decisions_and_yuan_it_would_change(history):
    folder, refunds = history

    done = simulate(str(folder / "candidate.json"), "--source", str(folder))

    assert done.returncode == 0, done.stderr
    # The direct recount: every platform refund of 200 yuan or more goes to review; nothing goes the other way
    moved = [r for r in refunds if r.route is Route.PLATFORM_FAST_REFUND and r.amount_fen >= 20_000]
    fen = sum(r.amount_fen for r in moved)
    assert f"{DECISIONS:,} decisions from {folder}" in done.stdout
    assert f"auto-refunded -> review: {len(moved):,} decisions, {fen / 100:,.2f} yuan" in done.stdout
    assert "    PLATFORM_FAST_REFUND, now AMOUNT_OVER_LIMIT, POLICY_DISABLED:" in done.stdout
    assert "review -> auto-refunded: 0 decisions, 0.00 yuan" in done.stdout
    assert f"  {len(moved):,} of those to review would need the merchant's policy" in done.stdout


def test_the_period_bounds_the_trial(history):
    folder, refunds = history
    first = china_day(NOW - timedelta(days=10))

    done = simulate(str(folder / "candidate.json"), "--source", str(folder), "--from", first.isoformat())

    assert done.returncode == 0, done.stderr
    in_period = [r for r in refunds if china_day(r.decided_at) >= first]
    moved = [r for r in in_period if r.route is Route.PLATFORM_FAST_REFUND and r.amount_fen >= 20_000]
    assert done.stdout.startswith(f"{len(in_period):,} decisions")
    assert f"auto-refunded -> review: {len(moved):,} decisions" in done.stdout


def test_an_invalid_candidate_is_refused_as_check_rules_refuses_it(tmp_path):
    (tmp_path / "candidate.json").write_text('{"versions": "nope"}')

    done = simulate(str(tmp_path / "candidate.json"), "--source", str(tmp_path))

    assert done.returncode == 1
    assert done.stdout.startswith("invalid: versions:")
