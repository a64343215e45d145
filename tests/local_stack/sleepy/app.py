"""A function for the local stack's own tests (never deployed): it sleeps as long as asked, then answers."""

import json
import time
from typing import Any


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    seconds = float((event.get("queryStringParameters") or {}).get("seconds", "0"))
    time.sleep(seconds)
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"slept": seconds})}
