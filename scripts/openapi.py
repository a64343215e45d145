"""Prints the OpenAPI document of the whole API, built by Powertools from the functions' route models.

`make openapi` writes it to docs/openapi.json; a test fails when the committed copy is stale.
"""

import json
import sys
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from devtools.invoking import harness


def build_document() -> dict[str, Any]:
    document: dict[str, Any] = {}
    api_functions = [function for function in harness.catalogue().functions.values() if function.routes]
    for function in api_functions:
        part = json.loads(
            harness.load_module(function).app.get_openapi_json_schema(
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
        for path, operations in part["paths"].items():  # a path's methods may be served by several functions
            document["paths"].setdefault(path, {}).update(operations)
        document["components"]["schemas"].update(part["components"]["schemas"])
    document["paths"] = dict(sorted(document["paths"].items()))
    document["components"]["schemas"] = dict(sorted(document["components"]["schemas"].items()))
    return document


if __name__ == "__main__":
    json.dump(build_document(), sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
