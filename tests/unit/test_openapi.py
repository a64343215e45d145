"""The committed API document is the one the code builds (`make openapi` refreshes it)."""

import json

from scripts.openapi import ROOT, build_document


def test_the_committed_openapi_document_is_current():
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))

    assert committed == build_document(), "docs/openapi.json is stale: run `make openapi`"


def test_every_route_of_the_template_is_documented():
    from devtools.template import Template

    routed = {
        (spec["Properties"]["Path"], spec["Properties"]["Method"].lower())
        for props in Template.load().of_type("AWS::Serverless::Function").values()
        for spec in props.get("Events", {}).values()
        if spec["Type"] == "Api"
    }
    documented = {(path, method) for path, methods in build_document()["paths"].items() for method in methods}

    assert documented == routed
