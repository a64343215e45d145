"""Prints the JSON Schema of what the service publishes, built from the models that publish it:
`notice` (MerchantNoticesTopic) or `payout` (RefundPayoutsTopic).

`make openapi` writes them to docs/; a test fails when a committed copy is stale.
"""

import json
import sys
from typing import Any

from pydantic import TypeAdapter

from fastrefund.domain.notices import Notice, PayoutInstruction

SCHEMAS: dict[str, tuple[Any, str, str]] = {
    "notice": (
        Notice,
        "Merchant notice: what became of a refund request of one of the merchant's orders",
        "The body of every message on MerchantNoticesTopic. Delivery is at least once: drop duplicates by"
        " notice_id. Message attributes: merchant_id and notice_type (String).",
    ),
    "payout": (
        PayoutInstruction,
        "Payout instruction: pay the buyer back",
        "The body of every message on RefundPayoutsTopic. Delivery is at least once: payout_id is the"
        " idempotency key. Message attribute: merchant_id (String).",
    ),
}


def build_schema(name: str) -> dict[str, Any]:
    model, title, description = SCHEMAS[name]
    schema = TypeAdapter(model).json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"fastrefund/{name}.schema.json",
        "title": title,
        "description": description,
    } | schema


if __name__ == "__main__":
    json.dump(build_schema(sys.argv[1]), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
