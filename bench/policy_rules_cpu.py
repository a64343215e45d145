"""CPU per merchant-route refund request with a 50-rule policy against a policy without rules.

    make bench        (or: .venv/bin/python -m bench.policy_rules_cpu)

On AWS's DynamoDB Local (its own JVM: the CPU measured is the caller's alone). Two merchants with the same
policy-wide settings, one without rules, one with 50 of which only the last holds (every request tries all 50,
the worst case); each request a new order of 450 yuan without the badge, so that the merchant's policy decides.
The orders API's handler is invoked warm, the two merchants' requests alternating so that both see the same
machine; the medians of CPU per request are printed.
"""

import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.warm_path import orders_api, setup
from devtools.emulator.dynamodb_local import DynamoDBLocal
from devtools.invoking.sample_events import api_event, buyer

REQUESTS = 200  # per merchant
POLICY = {"enabled": True, "max_refund_amount_fen": 50_000, "daily_limit_amount_fen": 10**11}
FIFTY_RULES = [
    {"rule_id": f"r-{n}", "action": "REVIEW",
     "when": {"categories": [f"category-{n}"], "amount_fen": {"min": 0, "max": 40_000}, "reason_codes": ["OTHER"]}}
    for n in range(49)
] + [{"rule_id": "the-rest", "action": "AUTO_REFUND", "when": {"amount_fen": {"max": 50_000}}}]  # fmt: skip


def seed(merchants: dict[str, list[dict]]) -> None:
    from fastrefund.domain.clock import utc_now
    from fastrefund.domain.models.merchant import AutoRefundPolicy
    from fastrefund.domain.models.order import Order
    from fastrefund.repositories.store import get_store

    store, now = get_store(), utc_now()
    for merchant_id, rules in merchants.items():
        policy = AutoRefundPolicy.model_validate(POLICY | {"rules": rules})
        store.merchants.set_auto_refund_policy(merchant_id, policy, now - timedelta(minutes=1))
        for n in range(REQUESTS + 2):
            store.orders.add_paid(
                Order.model_validate(
                    {"order_id": f"{merchant_id}-{n}", "merchant_id": merchant_id, "buyer_id": f"b-{merchant_id}-{n}",
                     "product_id": "p-1", "product_type": "PHYSICAL", "paid_amount_fen": 45_000,
                     "paid_at": now - timedelta(hours=1), "category_path": "apparel/women", "badge_at_payment": False}
                )
            )  # fmt: skip


def request(merchant_id: str, n: int):
    order_id = f"{merchant_id}-{n}"
    event = api_event("orders_api_refund_request", caller=buyer(f"b-{order_id}"), path={"order_id": order_id}, body={})
    return orders_api(event)


def main() -> None:
    merchants = {"m-no-rules": [], "m-fifty-rules": FIFTY_RULES}
    with tempfile.TemporaryDirectory() as folder, DynamoDBLocal() as engine:
        setup(engine, Path(folder) / "rules.json")
        seed(merchants)
        cpu: dict[str, list[float]] = {merchant_id: [] for merchant_id in merchants}
        for n in range(REQUESTS + 2):
            for merchant_id in merchants:
                call = request(merchant_id, n)
                started = time.process_time()
                response = call()
                spent = time.process_time() - started
                assert response["statusCode"] == 201 and '"AUTO_REFUNDED"' in response["body"], response
                if n >= 2:  # the first two warm the container
                    cpu[merchant_id].append(spent * 1000)
    none, fifty = (statistics.median(cpu[merchant_id]) for merchant_id in merchants)
    print(f"CPU per merchant-route refund request (median of {REQUESTS}, warm, DynamoDB Local):")
    print(f"  policy without rules        {none:6.2f} ms")
    print(
        f"  policy with 50 rules        {fifty:6.2f} ms   (all 50 tried: +{fifty - none:.2f} ms, {fifty / none:.2f}x)"
    )


if __name__ == "__main__":
    main()
