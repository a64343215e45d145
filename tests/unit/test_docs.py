"""The project's documents stand on their own: every link in the README and docs/ reaches a file of the
repository (or the web), never a folder beside it; every alarm of the template has its runbook entry."""

import re

from devtools.catalogue.template import ROOT, Template

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_every_link_reaches_a_file_of_the_repository():
    for document in DOCUMENTS:
        for target in LINK.findall(document.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "#", "mailto:")):
                continue
            path = (document.parent / target.split("#")[0]).resolve()
            assert path.is_relative_to(ROOT), f"{document.name} links outside the repository: {target}"
            assert path.exists(), f"{document.name} links to a missing file: {target}"


def test_every_alarm_has_a_runbook_entry():
    runbook = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for logical_id in Template.load().of_type("AWS::CloudWatch::Alarm"):
        per_function = logical_id.endswith("FailuresAlarm") and "`<Function>FailuresAlarm`" in runbook
        assert logical_id in runbook or per_function, f"{logical_id} has no entry in docs/operations.md"
