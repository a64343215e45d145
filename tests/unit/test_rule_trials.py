"""Rule trials (logic/rule_trials.py): the merchant route is replayed in decision order, with each day's usage
recomputed from the trial's own approvals."""

from datetime import timedelta

from devtools.factories import PAID_AT, default_rulebook, order, policy, refund_of
from fastrefund.domain.models.common import Reason, Route
from fastrefund.domain.models.refund import RefundStatus
from fastrefund.logic.rule_trials import CandidateRules, trial

DAY_LIMIT = policy(daily_limit_amount_fen=70_000)


def decision(n: int, amount: int, route: Route | None, reasons: list[Reason] | None = None):
    at = PAID_AT + timedelta(hours=1, minutes=n)
    refund = refund_of(
        order(order_id=f"o-{n}", paid_amount_fen=amount), route=route, refund_id=f"r-{n}", decided_at=at,
        requested_at=at, status=RefundStatus.AUTO_REFUNDED if route else RefundStatus.PENDING_REVIEW,
        reasons=reasons or [],
    )  # fmt: skip
    return refund.model_copy(update={"inputs": refund.inputs.model_copy(update={"policy": DAY_LIMIT})})


def test_a_day_freed_by_the_candidate_admits_a_request_the_daily_limit_sent_to_review():
    # Given a day where two 350-yuan refunds went by the merchant's policy (over the guarantee's 300), and a
    # third request found the day's 700 yuan used up
    history = [
        decision(1, 35_000, Route.MERCHANT_AUTO_REFUND),
        decision(2, 35_000, Route.MERCHANT_AUTO_REFUND),
        decision(3, 20_000, None, [Reason.NO_FAST_REFUND_BADGE, Reason.DAILY_LIMIT_REACHED]),
    ]
    history[2] = history[2].model_copy(
        update={"inputs": history[2].inputs.model_copy(update={"badge_at_payment": False})}
    )
    candidate = default_rulebook().model_dump()
    for version in candidate["versions"]:
        version["paid_amount_below_fen"] = 50_000  # the guarantee raised to 500 yuan
    raised = default_rulebook().model_validate(candidate)

    result = trial(history, CandidateRules(raised))

    # Then the first two are the platform's now, the day's usage is free, and the third is auto-refunded
    assert result.to_review == {}
    [(key, change)] = result.to_auto.items()
    assert key == (Route.MERCHANT_AUTO_REFUND.value, (Reason.NO_FAST_REFUND_BADGE, Reason.DAILY_LIMIT_REACHED))
    assert (change.decisions, change.amount_fen, change.examples) == (1, 20_000, ["o-3"])


def test_a_request_made_again_after_a_rejection_is_left_out_when_the_candidate_refunds_the_first():
    # Given an order whose first request went to review (over the guarantee, no policy read) and was rejected,
    # and whose second request went to review too
    first = decision(1, 35_000, None, [Reason.AMOUNT_OVER_LIMIT, Reason.POLICY_DISABLED])
    second = first.model_copy(update={"refund_id": "r-1-again", "decided_at": first.decided_at + timedelta(hours=2)})
    candidate = default_rulebook().model_dump()
    for version in candidate["versions"]:
        version["paid_amount_below_fen"] = 50_000  # the guarantee raised to 500 yuan
    raised = default_rulebook().model_validate(candidate)

    result = trial([first, second], CandidateRules(raised))

    # Then the order is refunded once, by its first request; the second is left out, not counted again
    assert result.total(result.to_auto).decisions == 1
    assert (result.decisions, result.superseded) == (1, 1)
