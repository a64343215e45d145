"""The committed API document is the one the code builds (`make openapi` refreshes it)."""

import json

from devtools.template import ROOT, Template
from scripts.openapi import build_document


def test_the_committed_openapi_document_is_current():
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))

    assert committed == build_document(), "docs/openapi.json is stale: run `make openapi`"


def test_every_route_of_the_template_is_documented():
    routed = {(route.path, route.method.lower()) for route in Template.load().routes}
    documented = {(path, method) for path, methods in build_document()["paths"].items() for method in methods}

    assert documented == routed
