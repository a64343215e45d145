"""Prints the OpenAPI document of the whole API, built by Powertools from the functions' route models.

`make openapi` writes it to docs/openapi.json; a test fails when the committed copy is stale.
"""

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

ROOT = Path(__file__).resolve().parent.parent
API_FUNCTIONS = ("orders_api", "merchants_api", "workbench_api", "notice_subscriptions_api")


def _function_app(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"openapi_{name}", ROOT / "functions" / name / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def build_document() -> dict[str, Any]:
    document: dict[str, Any] = {}
    for name in API_FUNCTIONS:
        part = json.loads(
            _function_app(name).get_openapi_json_schema(
                title="Fast refund service",
                version="1.0.0",
                description='Automatic refunds before shipment. Errors: {"error": {"code", "message", "details"}}.',
                security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
                security=[{"bearerAuth": []}],
            )
        )
        if not document:
            document = part
            continue
        document["paths"].update(part["paths"])
        document["components"]["schemas"].update(part["components"]["schemas"])
    document["paths"] = dict(sorted(document["paths"].items()))
    document["components"]["schemas"] = dict(sorted(document["components"]["schemas"].items()))
    return document


if __name__ == "__main__":
    json.dump(build_document(), sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
